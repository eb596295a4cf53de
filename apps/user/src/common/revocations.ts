import { Inject, Injectable } from '@nestjs/common';
import { RoutingKeys, type Actor, type CredentialRevoked } from '@vigil/contracts';
import { VigilBusClient } from '@vigil/messaging';
import type { Logger } from '@vigil/observability';
import { LOGGER } from '@vigil/runtime';
import type { Caller } from './caller.js';

/**
 * Publishes `auth.credential.revoked` so every gateway replica drops the credential from its caches.
 * Called after the revoking transaction committed; a failure to publish is logged, not thrown: the
 * revocation stands, and the gateway's caches expire on their own within seconds.
 */
@Injectable()
export class RevocationPublisher {
  constructor(
    private readonly bus: VigilBusClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async publish(tenantId: string, payload: CredentialRevoked, caller?: Caller): Promise<void> {
    const actor: Actor | undefined =
      caller && caller.actorId && caller.actorType !== 'anonymous'
        ? { kind: caller.actorType, id: caller.actorId, ...(caller.ip ? { ip: caller.ip } : {}) }
        : undefined;
    try {
      await this.bus.publish(RoutingKeys.AuthCredentialRevoked, { tenantId, payload, ...(actor ? { actor } : {}) });
    } catch (error) {
      this.logger.error(
        { err: error, ...payload },
        'could not publish auth.credential.revoked; gateway caches will expire on their own',
      );
    }
  }
}
