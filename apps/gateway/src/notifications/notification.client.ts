import { Injectable } from '@nestjs/common';
import type { RpcPattern } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import { actorOf, type Principal } from '../access/principal.js';

/** RPCs to the notification service on a caller's behalf: tenant and actor from the verified credential. */
@Injectable()
export class NotificationClient {
  constructor(private readonly bus: VigilBusClient) {}

  asCaller<TReply>(pattern: RpcPattern, principal: Principal, payload: object): Promise<TReply> {
    return this.bus.request<TReply>(pattern, { tenantId: principal.tenantId, actor: actorOf(principal), payload });
  }
}
