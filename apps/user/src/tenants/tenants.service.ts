import { ConflictException, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import {
  pageWindow,
  positionById,
  toPage,
  type CreateTenantRequest,
  type Keyset,
  type Page,
  type PageRequest,
  type TenantView,
} from '@vigil/contracts';
import { And, Equal, MoreThan, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService, type AuditActor } from '../audit/audit.service.js';
import { PasswordService } from '../auth/passwords.service.js';
import type { Caller } from '../common/caller.js';
import { invalidField } from '../common/errors.js';
import { Transactions, isUniqueViolation } from '@vigil/persistence';
import { CLOCK, type Clock } from '@vigil/runtime';
import { UserEntity } from '../users/user.entity.js';
import { slugify } from './slug.js';
import { TenantEntity, tenantView } from './tenant.entity.js';

/** Tenants page by id (creation order). */
const LIST: Keyset = { sort: 'tenants', order: 'asc' };

export interface NewTenant {
  name: string;
  slug: string;
  admin: { email: string; name: string; passwordHash: string; platformAdmin: boolean };
}

@Injectable()
export class TenantsService {
  constructor(
    private readonly db: Transactions,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Platform admins only: the gateway checks the role, this checks the actor again against the store. */
  async create(caller: Caller, request: CreateTenantRequest): Promise<TenantView> {
    await this.assertPlatformAdmin(caller);
    const slug = request.slug ?? slugify(request.name);
    if (!slug)
      throw invalidField('slug', 'cannot be derived from the name: give one (lowercase letters, digits and dashes)');
    const email = request.admin.email.trim().toLowerCase();
    this.passwords.assertStrong(request.admin.password, { email, name: request.admin.name }, 'admin.password');
    const passwordHash = await this.passwords.hash(request.admin.password);
    const tenant = await this.db
      .asPlatform(async ({ manager }) => {
        if (await manager.getRepository(TenantEntity).existsBy({ slug }))
          throw new ConflictException({ message: `slug: a tenant "${slug}" already exists`, field: 'slug' });
        const tenant = await this.insertTenant(
          manager,
          { name: request.name, slug, admin: { email, name: request.admin.name, passwordHash, platformAdmin: false } },
          caller,
        );
        await this.audit.record(manager, caller.tenantId, caller, {
          action: 'tenant.created',
          targetType: 'tenant',
          targetId: tenant.id,
          details: { slug, name: tenant.name },
        });
        return tenant;
      })
      .catch((error: unknown) => {
        if (isUniqueViolation(error))
          throw new ConflictException({ message: `slug: a tenant "${slug}" already exists`, field: 'slug' });
        throw error;
      });
    return tenantView(tenant);
  }

  /** Platform admins see every tenant; anyone else sees only their own. */
  async list(caller: Caller, request: PageRequest): Promise<Page<TenantView>> {
    const { limit, after } = pageWindow(request, LIST);
    const everyTenant = await this.isPlatformAdmin(caller);
    // Anyone but a platform admin sees their own tenant only, on every page.
    const own = everyTenant ? undefined : Equal(caller.tenantId);
    const next = after ? MoreThan(after.id) : undefined;
    const id = own && next ? And(own, next) : (own ?? next);
    return this.db.asPlatform(async ({ manager }) => {
      const rows = await manager.getRepository(TenantEntity).find({
        where: id ? { id } : {},
        order: { id: 'ASC' },
        take: limit + 1,
      });
      return toPage(rows, limit, LIST, positionById, tenantView);
    });
  }

  /** Creates a tenant and its first admin with `manager` (a platform transaction): tenant creation and bootstrap. */
  async insertTenant(manager: EntityManager, spec: NewTenant, actor: AuditActor): Promise<TenantEntity> {
    const now = new Date(this.clock());
    const tenant = Object.assign(new TenantEntity(), {
      id: uuidv7(),
      slug: spec.slug,
      name: spec.name,
      createdAt: now,
    });
    await manager.getRepository(TenantEntity).insert(tenant);
    const admin = Object.assign(new UserEntity(), {
      id: uuidv7(),
      tenantId: tenant.id,
      email: spec.admin.email,
      name: spec.admin.name,
      role: 'admin' as const,
      teamId: null,
      active: true,
      platformAdmin: spec.admin.platformAdmin,
      passwordHash: spec.admin.passwordHash,
      invitationHash: null,
      invitationExpiresAt: null,
      lastLoginAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await manager.getRepository(UserEntity).insert(admin);
    await this.audit.record(manager, tenant.id, actor, {
      action: 'tenant.created',
      targetType: 'tenant',
      targetId: tenant.id,
      details: { slug: tenant.slug, name: tenant.name },
    });
    await this.audit.record(manager, tenant.id, actor, {
      action: 'user.created',
      targetType: 'user',
      targetId: admin.id,
      details: { email: admin.email, role: admin.role, platformAdmin: admin.platformAdmin },
    });
    return tenant;
  }

  private async isPlatformAdmin(caller: Caller): Promise<boolean> {
    if (caller.actorType !== 'user' || !caller.actorId) return false;
    const user = await this.db.asPlatform(({ manager }) =>
      manager.getRepository(UserEntity).findOneBy({ id: caller.actorId!, tenantId: caller.tenantId }),
    );
    return user !== null && user.active && user.platformAdmin;
  }

  private async assertPlatformAdmin(caller: Caller): Promise<void> {
    if (!(await this.isPlatformAdmin(caller))) throw new ForbiddenException('only a platform admin may create tenants');
  }
}
