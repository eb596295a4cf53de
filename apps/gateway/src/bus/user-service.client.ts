import { Injectable } from '@nestjs/common';
import { SYSTEM_TENANT, type RpcPattern } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { actorOf, type Principal } from '../access/principal.js';

/**
 * RPCs to the user service on a caller's behalf: the tenant and the actor come from the verified
 * credential, the correlation id from the request context (VigilBusClient reads it).
 */
@Injectable()
export class UserServiceClient {
  constructor(private readonly bus: VigilBusClient) {}

  /** On behalf of an authenticated caller, in the caller's tenant. */
  asCaller<TReply>(pattern: RpcPattern, principal: Principal, payload: object): Promise<TReply> {
    return this.bus.request<TReply>(pattern, { tenantId: principal.tenantId, actor: actorOf(principal), payload });
  }

  /** In a tenant known from a verified token, before the caller is fully authenticated. */
  inTenant<TReply>(pattern: RpcPattern, tenantId: string, payload: object): Promise<TReply> {
    return this.bus.request<TReply>(pattern, { tenantId, payload });
  }

  /** Before any credential is known (sign-in, refresh, invitations, credential checks): no tenant yet. */
  anonymous<TReply>(pattern: RpcPattern, payload: object): Promise<TReply> {
    return this.bus.request<TReply>(pattern, { tenantId: SYSTEM_TENANT, payload });
  }
}
