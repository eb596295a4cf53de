import { ConflictException, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import type {
  AcceptInvitationRequest,
  LoginRequest,
  LogoutRequest,
  PrincipalView,
  RefreshRequest,
  TokenPair,
  UserView,
} from '@vigil/contracts';
import type { Logger } from '@vigil/observability';
import { CLOCK, LOGGER, type Clock } from '@vigil/runtime';
import { IsNull, MoreThan } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Caller } from '../common/caller.js';
import { tooManyAttempts } from '../common/errors.js';
import { Transactions } from '@vigil/persistence';
import { TenantEntity } from '../tenants/tenant.entity.js';
import { UserEntity, userView } from '../users/user.entity.js';
import { hashOpaqueToken, isOpaqueToken } from './opaque-token.js';
import { PasswordService } from './passwords.service.js';
import { judgeRefreshToken } from './refresh-family.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { ThrottleService } from './throttle.service.js';
import { TokenIssuer } from './token-issuer.js';

/** One message for every sign-in failure: it never says whether the email exists. */
const INVALID_LOGIN = 'invalid email or password';
const INVALID_REFRESH = 'refresh token is not valid; sign in again';

@Injectable()
export class AuthService {
  constructor(
    private readonly db: Transactions,
    private readonly passwords: PasswordService,
    private readonly throttle: ThrottleService,
    private readonly tokens: TokenIssuer,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async login(request: LoginRequest, caller: Caller): Promise<TokenPair> {
    const now = new Date(this.clock());
    const email = request.email.trim().toLowerCase();
    const ip = request.ip ?? caller.ip;
    const keys = this.throttle.keysFor(email, ip);
    const wait = await this.throttle.retryAfter(keys, now);
    if (wait > 0) throw tooManyAttempts(wait);

    // Platform scope: the email may have accounts in several tenants (unique per tenant only).
    const candidates = await this.db.asPlatform(async ({ manager }) => {
      let tenantId: string | undefined;
      if (request.tenant !== undefined) {
        const tenant = await manager.getRepository(TenantEntity).findOneBy({ slug: request.tenant });
        if (!tenant) return [];
        tenantId = tenant.id;
      }
      return manager
        .getRepository(UserEntity)
        .find({ where: { email, ...(tenantId ? { tenantId } : {}) }, order: { id: 'ASC' } });
    });

    const matched: UserEntity[] = [];
    const withPassword = candidates.filter((user) => user.passwordHash !== null);
    if (withPassword.length === 0) await this.passwords.burn(request.password);
    for (const user of withPassword) {
      // Verify first, then look at `active`: a deactivated account answers like a wrong password, in the same time.
      if ((await this.passwords.verify(request.password, user.passwordHash!)) && user.active) matched.push(user);
    }

    if (matched.length === 0) {
      await this.throttle.recordFailure(keys, now);
      if (candidates.length) {
        for (const user of candidates) {
          await this.db.inTenant(user.tenantId, ({ manager }) =>
            this.audit.record(
              manager,
              user.tenantId,
              { actorType: 'anonymous', actorId: null, ip },
              { action: 'auth.login.failed', targetType: 'user', targetId: user.id, details: { email } },
            ),
          );
        }
      } else {
        this.logger.info({ ip, tenant: request.tenant }, 'sign-in failed for an email with no account');
      }
      throw new UnauthorizedException(INVALID_LOGIN);
    }
    if (matched.length > 1) {
      const tenants = await this.db.asPlatform(({ manager }) =>
        manager.getRepository(TenantEntity).findBy(matched.map((user) => ({ id: user.tenantId }))),
      );
      throw new ConflictException({
        message:
          'tenant: this email has accounts in several tenants; sign in again with the tenant field set to one of their slugs',
        field: 'tenant',
        tenants: tenants.map((tenant) => tenant.slug).sort(),
      });
    }

    const user = matched[0]!;
    await this.throttle.clear(keys[0]!);
    const rehash = this.passwords.needsRehash(user.passwordHash!)
      ? await this.passwords.hash(request.password)
      : undefined;
    return this.db.inTenant(user.tenantId, async ({ manager }) => {
      await manager
        .getRepository(UserEntity)
        .update(
          { id: user.id, tenantId: user.tenantId },
          { lastLoginAt: now, ...(rehash ? { passwordHash: rehash } : {}) },
        );
      await this.audit.record(
        manager,
        user.tenantId,
        { actorType: 'user', actorId: user.id, ip },
        { action: 'auth.login', targetType: 'user', targetId: user.id },
      );
      return this.tokens.issue(manager, user, now);
    });
  }

  async refresh(request: RefreshRequest, caller: Caller): Promise<TokenPair> {
    const now = new Date(this.clock());
    if (!isOpaqueToken('vgr', request.refreshToken)) throw new UnauthorizedException(INVALID_REFRESH);
    const tokenHash = hashOpaqueToken(request.refreshToken);
    const ip = request.ip ?? caller.ip;
    // Platform scope: the token names no tenant; the row it finds does. The outcome commits even
    // when it is a refusal (a reused token's family stays revoked), so the error is thrown after.
    const outcome = await this.db.asPlatform(async ({ manager }): Promise<TokenPair | 'refused'> => {
      const repo = manager.getRepository(RefreshTokenEntity);
      const token = await repo.findOneBy({ tokenHash });
      if (!token) return 'refused';
      const verdict = judgeRefreshToken(token, now);
      if (verdict === 'reused') {
        await this.tokens.revokeFamily(manager, token.familyId, now);
        await this.audit.record(
          manager,
          token.tenantId,
          { actorType: 'anonymous', actorId: null, ip },
          {
            action: 'auth.refresh.reused',
            targetType: 'user',
            targetId: token.userId,
            details: { familyId: token.familyId, revoked: 'family' },
          },
        );
        return 'refused';
      }
      if (verdict !== 'valid') return 'refused';
      const user = await manager.getRepository(UserEntity).findOneBy({ id: token.userId, tenantId: token.tenantId });
      if (!user?.active) {
        await this.tokens.revokeFamily(manager, token.familyId, now);
        return 'refused';
      }
      // Rotate only if nobody else did in the meantime; losing that race is a reuse too.
      const rotated = await repo.update({ id: token.id, rotatedAt: IsNull(), revokedAt: IsNull() }, { rotatedAt: now });
      if (!rotated.affected) {
        await this.tokens.revokeFamily(manager, token.familyId, now);
        return 'refused';
      }
      return this.tokens.issue(manager, user, now, token.familyId);
    });
    if (outcome === 'refused') throw new UnauthorizedException(INVALID_REFRESH);
    return outcome;
  }

  /** Ends the sign-in session of the token: its whole family is revoked. Unknown tokens are ignored (idempotent). */
  async logout(request: LogoutRequest, caller: Caller): Promise<void> {
    if (!isOpaqueToken('vgr', request.refreshToken)) return;
    const now = new Date(this.clock());
    const tokenHash = hashOpaqueToken(request.refreshToken);
    await this.db.asPlatform(async ({ manager }) => {
      const token = await manager.getRepository(RefreshTokenEntity).findOneBy({ tokenHash });
      if (!token || token.revokedAt !== null) return;
      await this.tokens.revokeFamily(manager, token.familyId, now);
      await this.audit.record(
        manager,
        token.tenantId,
        { actorType: 'user', actorId: token.userId, ip: caller.ip },
        { action: 'auth.logout', targetType: 'user', targetId: token.userId },
      );
    });
  }

  async me(caller: Caller): Promise<UserView> {
    if (caller.actorType !== 'user' || !caller.actorId)
      throw new UnauthorizedException('me needs a signed-in user as the actor');
    const user = await this.db.inTenant(caller.tenantId, ({ manager }) =>
      manager.getRepository(UserEntity).findOneBy({ id: caller.actorId!, tenantId: caller.tenantId }),
    );
    if (!user?.active) throw new UnauthorizedException('the signed-in user no longer exists or is deactivated');
    return userView(user);
  }

  /** What the gateway re-checks (cached briefly) for a valid access token: platform scope, by the id the token names. */
  async principal(userId: string): Promise<PrincipalView> {
    const user = await this.db.asPlatform(({ manager }) => manager.getRepository(UserEntity).findOneBy({ id: userId }));
    if (!user) throw new NotFoundException('no such user');
    return {
      userId: user.id,
      tenantId: user.tenantId,
      role: user.role,
      active: user.active,
      platformAdmin: user.platformAdmin,
    };
  }

  /** Sets the invited user's password (once) and signs them in. */
  async acceptInvitation(request: AcceptInvitationRequest, caller: Caller): Promise<TokenPair> {
    const now = new Date(this.clock());
    const invalid = new UnauthorizedException('invitation token is not valid or has expired');
    if (!isOpaqueToken('vgi', request.token)) throw invalid;
    const invitationHash = hashOpaqueToken(request.token);
    const user = await this.db.asPlatform(({ manager }) =>
      manager.getRepository(UserEntity).findOneBy({ invitationHash, invitationExpiresAt: MoreThan(now), active: true }),
    );
    if (!user) throw invalid;
    this.passwords.assertStrong(request.password, { email: user.email, name: user.name });
    const passwordHash = await this.passwords.hash(request.password);
    return this.db.inTenant(user.tenantId, async ({ manager }) => {
      const accepted = await manager
        .getRepository(UserEntity)
        .update(
          { id: user.id, tenantId: user.tenantId, invitationHash },
          { passwordHash, invitationHash: null, invitationExpiresAt: null, lastLoginAt: now, updatedAt: now },
        );
      if (!accepted.affected) throw invalid;
      await this.audit.record(
        manager,
        user.tenantId,
        { actorType: 'user', actorId: user.id, ip: caller.ip },
        { action: 'auth.invitation.accepted', targetType: 'user', targetId: user.id },
      );
      return this.tokens.issue(manager, user, now);
    });
  }
}
