import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  pageWindow,
  positionById,
  toPage,
  type CreateTeamRequest,
  type Keyset,
  type Page,
  type PageRequest,
  type TeamView,
  type UpdateTeamRequest,
} from '@vigil/contracts';
import { MoreThan, Not, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditService } from '../audit/audit.service.js';
import type { Caller } from '../common/caller.js';
import { Transactions, isUniqueViolation } from '@vigil/persistence';
import { CLOCK, type Clock } from '@vigil/runtime';
import { UserEntity } from '../users/user.entity.js';
import { TeamEntity, teamView } from './team.entity.js';

/** Teams page by id (creation order). */
const LIST: Keyset = { sort: 'teams', order: 'asc' };
const DUPLICATE_NAME = 'name: a team with this name already exists in this tenant';

function conflictOnDuplicate(error: unknown): never {
  if (isUniqueViolation(error)) throw new ConflictException({ message: DUPLICATE_NAME, field: 'name' });
  throw error;
}

@Injectable()
export class TeamsService {
  constructor(
    private readonly db: Transactions,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(caller: Caller, request: CreateTeamRequest): Promise<TeamView> {
    const now = new Date(this.clock());
    const team = await this.db
      .inTenant(caller.tenantId, async ({ manager }) => {
        const repo = manager.getRepository(TeamEntity);
        if (await repo.existsBy({ tenantId: caller.tenantId, name: request.name }))
          throw new ConflictException({ message: DUPLICATE_NAME, field: 'name' });
        const team = Object.assign(new TeamEntity(), {
          id: uuidv7(),
          tenantId: caller.tenantId,
          name: request.name,
          description: request.description ?? null,
          createdAt: now,
          updatedAt: now,
        });
        await repo.insert(team);
        await this.audit.record(manager, caller.tenantId, caller, {
          action: 'team.created',
          targetType: 'team',
          targetId: team.id,
          details: { name: team.name },
        });
        return team;
      })
      .catch(conflictOnDuplicate);
    return teamView(team);
  }

  list(caller: Caller, request: PageRequest): Promise<Page<TeamView>> {
    const { limit, after } = pageWindow(request, LIST);
    return this.db.inTenant(caller.tenantId, async ({ manager }) => {
      const rows = await manager.getRepository(TeamEntity).find({
        where: { tenantId: caller.tenantId, ...(after ? { id: MoreThan(after.id) } : {}) },
        order: { id: 'ASC' },
        take: limit + 1,
      });
      return toPage(rows, limit, LIST, positionById, teamView);
    });
  }

  async get(caller: Caller, id: string): Promise<TeamView> {
    return teamView(await this.db.inTenant(caller.tenantId, ({ manager }) => this.find(manager, caller.tenantId, id)));
  }

  async update(caller: Caller, request: UpdateTeamRequest): Promise<TeamView> {
    const now = new Date(this.clock());
    const team = await this.db
      .inTenant(caller.tenantId, async ({ manager }) => {
        const repo = manager.getRepository(TeamEntity);
        const team = await this.find(manager, caller.tenantId, request.id);
        const next: Partial<TeamEntity> = {};
        if (request.name !== undefined && request.name !== team.name) {
          if (await repo.existsBy({ tenantId: caller.tenantId, name: request.name, id: Not(team.id) }))
            throw new ConflictException({ message: DUPLICATE_NAME, field: 'name' });
          next.name = request.name;
        }
        if (request.description !== undefined && request.description !== team.description)
          next.description = request.description;
        if (Object.keys(next).length === 0) return team;
        await repo.update({ id: team.id, tenantId: caller.tenantId }, { ...next, updatedAt: now });
        await this.audit.record(manager, caller.tenantId, caller, {
          action: 'team.updated',
          targetType: 'team',
          targetId: team.id,
          details: { changes: next },
        });
        return Object.assign(team, next, { updatedAt: now });
      })
      .catch(conflictOnDuplicate);
    return teamView(team);
  }

  /** Deletes the team; its members stay, without a team. */
  async delete(caller: Caller, id: string): Promise<void> {
    const now = new Date(this.clock());
    await this.db.inTenant(caller.tenantId, async ({ manager }) => {
      const team = await this.find(manager, caller.tenantId, id);
      await manager
        .getRepository(UserEntity)
        .update({ tenantId: caller.tenantId, teamId: team.id }, { teamId: null, updatedAt: now });
      await manager.getRepository(TeamEntity).delete({ id: team.id, tenantId: caller.tenantId });
      await this.audit.record(manager, caller.tenantId, caller, {
        action: 'team.deleted',
        targetType: 'team',
        targetId: team.id,
        details: { name: team.name },
      });
    });
  }

  private async find(manager: EntityManager, tenantId: string, id: string): Promise<TeamEntity> {
    const team = await manager.getRepository(TeamEntity).findOneBy({ id, tenantId });
    if (!team) throw new NotFoundException(`team ${id} not found`);
    return team;
  }
}
