import { UnauthorizedException } from '@nestjs/common';
import type { ActorKind } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';

/** Who is asking, from the envelope only: the tenant and actor are set by the gateway from the credential. */
export interface Caller {
  tenantId: string;
  actorType: ActorKind | 'anonymous';
  actorId: string | null;
  ip: string | null;
}

export function callerOf(ctx: BusContext): Caller {
  const envelope = ctx.getEnvelope();
  return {
    tenantId: envelope.tenantId,
    actorType: envelope.actor?.kind ?? 'anonymous',
    actorId: envelope.actor?.id ?? null,
    ip: envelope.actor?.ip ?? null,
  };
}

/** An administration RPC needs an actor (user or API key) in the envelope. */
export function actingCaller(ctx: BusContext): Caller & { actorId: string } {
  const caller = callerOf(ctx);
  if (caller.actorId === null)
    throw new UnauthorizedException('this request needs an authenticated actor in the envelope');
  return caller as Caller & { actorId: string };
}
