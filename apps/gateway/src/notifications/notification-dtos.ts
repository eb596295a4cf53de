// HTTP bodies of the PATCH routes, where the contract DTOs carry the id from the path.
export {
  ChannelChanges as UpdateChannelBody,
  EscalationPolicyChanges as UpdateEscalationPolicyBody,
  RouteChanges as UpdateRouteBody,
} from '@vigil/contracts';
