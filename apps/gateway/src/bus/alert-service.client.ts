import { Injectable } from '@nestjs/common';
import type { RpcPattern } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { actorOf, type Principal } from '../access/principal.js';

/** RPCs to the alert service on a caller's behalf: tenant and actor from the verified credential. */
@Injectable()
export class AlertServiceClient {
  constructor(private readonly bus: VigilBusClient) {}

  asCaller<TReply>(pattern: RpcPattern, principal: Principal, payload: object): Promise<TReply> {
    return this.bus.request<TReply>(pattern, { tenantId: principal.tenantId, actor: actorOf(principal), payload });
  }

  /** In a tenant, for the gateway's own lookups (the generic-webhook mapping). */
  inTenant<TReply>(pattern: RpcPattern, tenantId: string, payload: object): Promise<TReply> {
    return this.bus.request<TReply>(pattern, { tenantId, payload });
  }
}
