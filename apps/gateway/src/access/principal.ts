import { createParamDecorator, InternalServerErrorException, type ExecutionContext } from '@nestjs/common';
import type { Actor, ApiKeyScope, Role } from '@vigil/contracts';
import type { Request } from 'express';

/** Who is calling, from the credential alone: the tenant is never taken from the request. */
export type Principal =
  | { kind: 'user'; id: string; tenantId: string; role: Role; platformAdmin: boolean; ip: string }
  | { kind: 'api-key'; id: string; tenantId: string; name: string; scopes: readonly ApiKeyScope[]; ip: string };

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** The actor every message sent on the caller's behalf carries (audit log, per-actor limits). */
export function actorOf(principal: Principal): Actor {
  return { kind: principal.kind, id: principal.id, ip: principal.ip };
}

/** The client address as Express resolved it (TRUST_PROXY decides whether X-Forwarded-For counts), fit for a message field. */
export function clientAddressOf(req: Request): string {
  return (req.ip ?? req.socket.remoteAddress ?? 'unknown').slice(0, 64);
}

/** The authenticated caller of a route declared with @Access(). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new InternalServerErrorException('route reads a principal but is not declared with @Access()');
  return principal;
});

/** The client address, for routes that forward it (sign-in, audit). */
export const ClientAddress = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  clientAddressOf(ctx.switchToHttp().getRequest<Request>()),
);
