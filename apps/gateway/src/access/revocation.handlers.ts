import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RoutingKeys, type CredentialRevoked } from '@vigil/contracts';
import { Authenticator } from './authenticator.js';

/**
 * A revoked key or deactivated user is dropped from this replica's caches at once; a broadcast
 * subscription, so every gateway replica hears it (the cache TTL is the backstop).
 */
@Controller()
export class RevocationHandlers {
  constructor(private readonly authenticator: Authenticator) {}

  @EventPattern(RoutingKeys.AuthCredentialRevoked, { broadcast: true })
  onCredentialRevoked(@Payload() revoked: CredentialRevoked): void {
    this.authenticator.revoke(revoked.kind, revoked.id);
  }
}
