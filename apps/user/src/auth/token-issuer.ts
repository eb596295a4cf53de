import { Inject, Injectable } from '@nestjs/common';
import type { JwtKeyring } from '@vigil/auth';
import type { TokenPair } from '@vigil/contracts';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { JWT_KEYRING, USER_CONFIG } from '../common/tokens.js';
import type { UserEntity } from '../users/user.entity.js';
import type { UserConfig } from '../user.config.js';
import { generateOpaqueToken } from './opaque-token.js';
import { refreshExpiry } from './refresh-family.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';

/** Issues the token pair of a sign-in: a JWT access token and an opaque refresh token (stored hashed). */
@Injectable()
export class TokenIssuer {
  constructor(
    @Inject(JWT_KEYRING) private readonly keyring: JwtKeyring,
    @Inject(USER_CONFIG) private readonly config: UserConfig,
  ) {}

  /** Stores a new refresh token (of `familyId`, or a new family) with `manager` and signs the access token. */
  async issue(manager: EntityManager, user: UserEntity, now: Date, familyId: string = uuidv7()): Promise<TokenPair> {
    const refresh = generateOpaqueToken('vgr');
    await manager.getRepository(RefreshTokenEntity).insert({
      id: uuidv7(),
      tenantId: user.tenantId,
      userId: user.id,
      familyId,
      tokenHash: refresh.hash,
      createdAt: now,
      expiresAt: refreshExpiry(now, this.config.REFRESH_TTL_DAYS),
      rotatedAt: null,
      revokedAt: null,
    });
    const access = await this.keyring.sign(
      { sub: user.id, tid: user.tenantId, role: user.role, pa: user.platformAdmin },
      this.config.JWT_ACCESS_TTL_SECONDS,
    );
    return {
      access_token: access.token,
      refresh_token: refresh.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
    };
  }

  /** Revokes every live token of a family (reuse detected, logout). */
  async revokeFamily(manager: EntityManager, familyId: string, now: Date): Promise<void> {
    await manager
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder()
      .update()
      .set({ revokedAt: now })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  /** Revokes every live refresh token of a user (deactivation). */
  async revokeUser(manager: EntityManager, tenantId: string, userId: string, now: Date): Promise<void> {
    await manager
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder()
      .update()
      .set({ revokedAt: now })
      .where('tenant_id = :tenantId AND user_id = :userId AND revoked_at IS NULL', { tenantId, userId })
      .execute();
  }
}
