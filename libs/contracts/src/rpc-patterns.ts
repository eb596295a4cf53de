import type { ServiceName } from './services.js';

/**
 * Request/response patterns. The first segment names the service that answers: the client sends
 * the request to that service's RPC queue `vigil.<service>.rpc`.
 */
export const RpcPatterns = {
  GatewayPing: 'gateway.system.ping',
  UserPing: 'user.system.ping',
  AlertPing: 'alert.system.ping',
  AgentRunnerPing: 'agent-runner.system.ping',
  HistoryPing: 'history.system.ping',
  NotificationPing: 'notification.system.ping',

  // user service: sign-in (tenant from the credential, or none before sign-in)
  UserLogin: 'user.auth.login',
  UserRefresh: 'user.auth.refresh',
  UserLogout: 'user.auth.logout',
  UserMe: 'user.auth.me',
  UserPrincipal: 'user.auth.principal',
  UserVerifyApiKey: 'user.auth.verify-api-key',
  UserAcceptInvitation: 'user.auth.accept-invitation',
  // user service: administration (tenant from the envelope, never from the payload)
  UserTenantsCreate: 'user.tenants.create',
  UserTenantsList: 'user.tenants.list',
  UserUsersCreate: 'user.users.create',
  UserUsersList: 'user.users.list',
  UserUsersGet: 'user.users.get',
  UserUsersUpdate: 'user.users.update',
  UserUsersDeactivate: 'user.users.deactivate',
  UserTeamsCreate: 'user.teams.create',
  UserTeamsList: 'user.teams.list',
  UserTeamsGet: 'user.teams.get',
  UserTeamsUpdate: 'user.teams.update',
  UserTeamsDelete: 'user.teams.delete',
  UserApiKeysCreate: 'user.api-keys.create',
  UserApiKeysList: 'user.api-keys.list',
  UserApiKeysRevoke: 'user.api-keys.revoke',
  UserAuditList: 'user.audit.list',

  // alert service (tenant from the envelope)
  AlertList: 'alert.alerts.list',
  AlertGet: 'alert.alerts.get',
  AlertAcknowledge: 'alert.alerts.acknowledge',
  AlertResolve: 'alert.alerts.resolve',
  AlertAddNote: 'alert.alerts.add-note',
  AlertStats: 'alert.alerts.stats',
  AlertSilencesCreate: 'alert.silences.create',
  AlertSilencesList: 'alert.silences.list',
  AlertSilencesGet: 'alert.silences.get',
  AlertSilencesUpdate: 'alert.silences.update',
  AlertSilencesDelete: 'alert.silences.delete',
  AlertRejectedList: 'alert.rejected.list',
  AlertWebhookMappingGet: 'alert.webhook-mapping.get',
  AlertWebhookMappingPut: 'alert.webhook-mapping.put',
  /** Past alerts like one under investigation (the similar_alerts tool). */
  AlertSimilar: 'alert.alerts.similar',

  // agent runner (tenant from the envelope)
  AgentRunnerAgentsList: 'agent-runner.agents.list',
  AgentRunnerInvestigationsStart: 'agent-runner.investigations.start',
  AgentRunnerMcpServersCreate: 'agent-runner.mcp-servers.create',
  AgentRunnerMcpServersList: 'agent-runner.mcp-servers.list',
  AgentRunnerMcpServersGet: 'agent-runner.mcp-servers.get',
  AgentRunnerMcpServersUpdate: 'agent-runner.mcp-servers.update',
  AgentRunnerMcpServersDelete: 'agent-runner.mcp-servers.delete',

  // history service (tenant from the envelope)
  HistorySessionsList: 'history.sessions.list',
  HistorySessionGet: 'history.sessions.get',
  HistorySessionSummary: 'history.sessions.summary',
  HistoryActiveSessions: 'history.sessions.active',
  HistoryFilterOptions: 'history.sessions.filter-options',
  HistorySessionExport: 'history.sessions.export',
  HistoryStats: 'history.stats',

  // notification service (tenant from the envelope)
  NotificationChannelsCreate: 'notification.channels.create',
  NotificationChannelsList: 'notification.channels.list',
  NotificationChannelsGet: 'notification.channels.get',
  NotificationChannelsUpdate: 'notification.channels.update',
  NotificationChannelsDelete: 'notification.channels.delete',
  NotificationChannelsTest: 'notification.channels.test',
  NotificationRoutesCreate: 'notification.routes.create',
  NotificationRoutesList: 'notification.routes.list',
  NotificationRoutesGet: 'notification.routes.get',
  NotificationRoutesUpdate: 'notification.routes.update',
  NotificationRoutesDelete: 'notification.routes.delete',
  /** Dry run: which routes and channels an alert would reach. */
  NotificationRoutesTest: 'notification.routes.test',
  NotificationEscalationPoliciesCreate: 'notification.escalation-policies.create',
  NotificationEscalationPoliciesList: 'notification.escalation-policies.list',
  NotificationEscalationPoliciesGet: 'notification.escalation-policies.get',
  NotificationEscalationPoliciesUpdate: 'notification.escalation-policies.update',
  NotificationEscalationPoliciesDelete: 'notification.escalation-policies.delete',
  NotificationDeliveriesList: 'notification.deliveries.list',
  /** Platform (tenant `_system`): the tenant and alert of a Slack message a button was clicked on. */
  NotificationSlackMessageLookup: 'notification.slack.message-lookup',
} as const;
export type RpcPattern = (typeof RpcPatterns)[keyof typeof RpcPatterns];

export const RPC_PATTERNS: readonly RpcPattern[] = Object.values(RpcPatterns);

const PING_BY_SERVICE: Record<ServiceName, RpcPattern> = {
  gateway: RpcPatterns.GatewayPing,
  user: RpcPatterns.UserPing,
  alert: RpcPatterns.AlertPing,
  'agent-runner': RpcPatterns.AgentRunnerPing,
  history: RpcPatterns.HistoryPing,
  notification: RpcPatterns.NotificationPing,
};

export function pingPatternOf(service: ServiceName): RpcPattern {
  return PING_BY_SERVICE[service];
}

/** The service that answers an RPC pattern: the pattern's first segment. */
export function serviceOfPattern(pattern: string): string {
  const dot = pattern.indexOf('.');
  return dot === -1 ? pattern : pattern.slice(0, dot);
}
