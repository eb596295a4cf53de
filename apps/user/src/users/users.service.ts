import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  pageWindow,
  positionById,
  toPage,
  type CreatedUser,
  type CreateUserRequest,
  type Keyset,
  type Page,
  type UserListQuery,
  type UpdateUserRequest,
  type UserView,
} from '@vigil/contracts';
import { MoreThan, Not, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service.js';
import { generateOpaqueToken } from '../auth/opaque-token.js';
import { PasswordService } from '../auth/passwords.service.js';
import { TokenIssuer } from '../auth/token-issuer.js';
import type { Caller } from '../common/caller.js';
import { invalidField } from '../common/errors.js';
import { RevocationPublisher } from '../common/revocations.js';
import { Transactions, isUniqueViolation } from '@vigil/persistence';
import { CLOCK, type Clock } from '@vigil/runtime';
import { USER_CONFIG } from '../common/tokens.js';
import { TeamEntity } from '../teams/team.entity.js';
import type { UserConfig } from '../user.config.js';
import { UserEntity, userView } from './user.entity.js';

/** Users page by id (creation order). */
const LIST: Keyset = { sort: 'users', order: 'asc' };
const HOUR_MS = 60 * 60 * 1000;
const DUPLICATE_EMAIL = 'email: a user with this email already exists in this tenant';

/**
 * What an API key may not do to users: whatever it sets up must end with its revocation, so it
 * never chooses a password (the user is invited instead) and never makes an admin (who could mint
 * keys and users of their own). A signed-in admin may do both.
 */
function assertKeyMayGrant(caller: Caller, request: { password?: string; role?: string }): void {
  if (caller.actorType !== 'api-key') return;
  if (request.password !== undefined)
    throw new ForbiddenException({
      message:
        'password: an API key cannot set a password (access it sets up must end when the key is revoked); leave password out to invite the user, or sign in as an admin',
      field: 'password',
    });
  if (request.role === 'admin')
    throw new ForbiddenException({
      message:
        'role: an API key cannot make a user an admin (access it sets up must end when the key is revoked); sign in as an admin to do it',
      field: 'role',
    });
}

/** Users of the caller's tenant: every read and write is scoped to `caller.tenantId`. */
@Injectable()
export class UsersService {
  constructor(
    private readonly db: Transactions,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenIssuer,
    private readonly audit: AuditService,
    private readonly revocations: RevocationPublisher,
    @Inject(USER_CONFIG) private readonly config: UserConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(caller: Caller, request: CreateUserRequest): Promise<CreatedUser> {
    assertKeyMayGrant(caller, request);
    const now = new Date(this.clock());
    const email = request.email.trim().toLowerCase();
    let passwordHash: string | null = null;
    if (request.password !== undefined) {
      this.passwords.assertStrong(request.password, { email, name: request.name });
      passwordHash = await this.passwords.hash(request.password);
    }
    const invitation = passwordHash === null ? generateOpaqueToken('vgi') : undefined;
    const invitationExpiresAt = invitation
      ? new Date(now.getTime() + this.config.INVITATION_TTL_HOURS * HOUR_MS)
      : null;
    const user = await this.db
      .inTenant(caller.tenantId, async ({ manager }) => {
        const repo = manager.getRepository(UserEntity);
        if (await repo.existsBy({ tenantId: caller.tenantId, email }))
          throw new ConflictException({ message: DUPLICATE_EMAIL, field: 'email' });
        if (request.teamId) await this.assertTeam(manager, caller.tenantId, request.teamId);
        const created: UserEntity = Object.assign(new UserEntity(), {
          id: uuidv7(),
          tenantId: caller.tenantId,
          email,
          name: request.name,
          role: request.role,
          teamId: request.teamId ?? null,
          active: true,
          platformAdmin: false,
          passwordHash,
          invitationHash: invitation?.hash ?? null,
          invitationExpiresAt,
          lastLoginAt: null,
          createdAt: now,
          updatedAt: now,
        });
        await repo.insert(created);
        await this.audit.record(manager, caller.tenantId, caller, {
          action: invitation ? 'user.invited' : 'user.created',
          targetType: 'user',
          targetId: created.id,
          details: { email, role: created.role, teamId: created.teamId },
        });
        return created;
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new ConflictException({ message: DUPLICATE_EMAIL, field: 'email' });
        throw error;
      });
    return {
      ...userView(user),
      invitationToken: invitation?.token ?? null,
      invitationExpiresAt: invitationExpiresAt?.toISOString() ?? null,
    };
  }

  list(caller: Caller, request: UserListQuery): Promise<Page<UserView>> {
    const { limit, after } = pageWindow(request, LIST);
    return this.db.inTenant(caller.tenantId, async ({ manager }) => {
      const rows = await manager.getRepository(UserEntity).find({
        where: {
          tenantId: caller.tenantId,
          // Stored lower-case (see create).
          ...(request.email !== undefined ? { email: request.email.trim().toLowerCase() } : {}),
          ...(after ? { id: MoreThan(after.id) } : {}),
        },
        order: { id: 'ASC' },
        take: limit + 1,
      });
      return toPage(rows, limit, LIST, positionById, userView);
    });
  }

  async get(caller: Caller, id: string): Promise<UserView> {
    return userView(await this.db.inTenant(caller.tenantId, ({ manager }) => this.find(manager, caller.tenantId, id)));
  }

  async update(caller: Caller, request: UpdateUserRequest): Promise<UserView> {
    const now = new Date(this.clock());
    const { user, deactivated } = await this.db.inTenant(caller.tenantId, async ({ manager }) => {
      // After the lookup: another tenant's user is a 404 whatever the change asked.
      const user = await this.find(manager, caller.tenantId, request.id);
      assertKeyMayGrant(caller, request);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const next: Partial<UserEntity> = {};
      if (request.name !== undefined && request.name !== user.name) next.name = request.name;
      if (request.role !== undefined && request.role !== user.role) next.role = request.role;
      if (request.active !== undefined && request.active !== user.active) next.active = request.active;
      if (request.teamId !== undefined && request.teamId !== user.teamId) {
        if (request.teamId !== null) await this.assertTeam(manager, caller.tenantId, request.teamId);
        next.teamId = request.teamId;
      }
      const losesAdmin =
        user.role === 'admin' &&
        user.active &&
        ((next.role !== undefined && next.role !== 'admin') || next.active === false);
      if (losesAdmin) await this.assertAnotherAdmin(manager, caller.tenantId, user.id);
      for (const key of Object.keys(next) as (keyof UserEntity)[]) changes[key] = { from: user[key], to: next[key] };
      if (Object.keys(next).length === 0) return { user, deactivated: false };
      Object.assign(user, next, { updatedAt: now });
      await manager
        .getRepository(UserEntity)
        .update({ id: user.id, tenantId: caller.tenantId }, { ...next, updatedAt: now });
      const deactivated = next.active === false;
      if (deactivated) await this.tokens.revokeUser(manager, caller.tenantId, user.id, now);
      await this.audit.record(manager, caller.tenantId, caller, {
        action: deactivated ? 'user.deactivated' : 'user.updated',
        targetType: 'user',
        targetId: user.id,
        details: { changes },
      });
      return { user, deactivated };
    });
    if (deactivated) await this.revocations.publish(caller.tenantId, { kind: 'user', id: user.id }, caller);
    return userView(user);
  }

  deactivate(caller: Caller, id: string): Promise<UserView> {
    return this.update(caller, { id, active: false });
  }

  private async find(manager: EntityManager, tenantId: string, id: string): Promise<UserEntity> {
    const user = await manager.getRepository(UserEntity).findOneBy({ id, tenantId });
    if (!user) throw new NotFoundException(`user ${id} not found`);
    return user;
  }

  private async assertTeam(manager: EntityManager, tenantId: string, teamId: string): Promise<void> {
    if (!(await manager.getRepository(TeamEntity).existsBy({ id: teamId, tenantId })))
      throw invalidField('teamId', `no team ${teamId} in this tenant`);
  }

  private async assertAnotherAdmin(manager: EntityManager, tenantId: string, userId: string): Promise<void> {
    const others = await manager
      .getRepository(UserEntity)
      .countBy({ tenantId, role: 'admin', active: true, id: Not(userId) });
    if (others === 0)
      throw new ConflictException('a tenant must keep at least one active admin: promote another user first');
  }
}
