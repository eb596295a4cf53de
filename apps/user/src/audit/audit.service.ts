import { Inject, Injectable } from '@nestjs/common';
import {
  pageWindow,
  positionById,
  toPage,
  type AuditEntryView,
  type AuditQuery,
  type Keyset,
  type Page,
} from '@vigil/contracts';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager, QueryDeepPartialEntity } from 'typeorm';
import type { Caller } from '../common/caller.js';
import { Transactions } from '@vigil/persistence';
import { CLOCK, type Clock } from '@vigil/runtime';
import { AuditEntryEntity, auditEntryView } from './audit-entry.entity.js';

/** Newest first, by id (UUIDv7: creation order). */
const LIST: Keyset = { sort: 'audit', order: 'desc' };

export interface AuditRecord {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export type AuditActor = Pick<Caller, 'actorType' | 'actorId' | 'ip'>;

/** The audit log: written inside the transaction of the change it records, read newest first. */
@Injectable()
export class AuditService {
  constructor(
    private readonly db: Transactions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(manager: EntityManager, tenantId: string, actor: AuditActor, record: AuditRecord): Promise<void> {
    const entry = Object.assign(new AuditEntryEntity(), {
      id: uuidv7(),
      tenantId,
      at: new Date(this.clock()),
      action: record.action,
      actorType: actor.actorType,
      actorId: actor.actorId,
      targetType: record.targetType ?? null,
      targetId: record.targetId ?? null,
      ip: actor.ip,
      details: record.details ?? {},
    });
    // `details` is free-form JSON (simple-json), which TypeORM's deep-partial type cannot describe.
    await manager.getRepository(AuditEntryEntity).insert(entry as QueryDeepPartialEntity<AuditEntryEntity>);
  }

  list(tenantId: string, query: AuditQuery): Promise<Page<AuditEntryView>> {
    const { limit, after } = pageWindow(query, LIST);
    return this.db.inTenant(tenantId, async ({ manager }) => {
      const qb = manager
        .getRepository(AuditEntryEntity)
        .createQueryBuilder('a')
        .where('a.tenantId = :tenantId', { tenantId });
      if (query.action) qb.andWhere('a.action = :action', { action: query.action });
      if (query.actorId) qb.andWhere('a.actorId = :actorId', { actorId: query.actorId });
      if (query.targetType) qb.andWhere('a.targetType = :targetType', { targetType: query.targetType });
      if (query.targetId) qb.andWhere('a.targetId = :targetId', { targetId: query.targetId });
      if (query.from) qb.andWhere('a.at >= :from', { from: new Date(query.from) });
      if (query.to) qb.andWhere('a.at <= :to', { to: new Date(query.to) });
      if (after) qb.andWhere('a.id < :after', { after: after.id });
      const rows = await qb
        .orderBy('a.id', 'DESC')
        .take(limit + 1)
        .getMany();
      return toPage(rows, limit, LIST, positionById, auditEntryView);
    });
  }
}
