import { BadRequestException, Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import {
  nowMicros,
  type Actor,
  type CreateSilenceRequest,
  type LabelMatcher,
  type Page,
  type PageRequest,
  type SilenceView,
  type UpdateSilenceRequest,
} from '@vigil/contracts';
import { v7 as uuidv7 } from 'uuid';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './alert.service.js';
import { decodeCursor, encodeCursor, InvalidCursorError, type Cursor } from './domain/cursor.js';
import { matcherProblems } from './domain/silences.js';
import { fromIso, type Micros } from './domain/time.js';
import { AlertDb, type Row, type Sql } from './store/alert-db.js';
import { silenceViewOf, type SilenceDoc } from './store/rows.js';

const COLUMNS = 'id, doc, starts_at_us, ends_at_us, created_by, created_at_us';

/** Matchers and window as stored: validated (bad regex or empty window → 422 naming it). */
function validated(matchers: LabelMatcher[], startsAt: Micros, endsAt: Micros): void {
  const problems = matcherProblems(matchers);
  if (!(startsAt < endsAt)) problems.push('endsAt: must be after startsAt');
  if (problems.length) throw new UnprocessableEntityException(problems.join('; '));
}

/** Keyset pages, newest first, over (created/received time, id). */
export function pageCursor(kind: string, cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  try {
    return decodeCursor(cursor, kind, 'desc');
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new BadRequestException(`cursor: ${error.message}`);
    throw error;
  }
}

export function pageLimit(request: PageRequest): number {
  return Math.min(request.limit ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
}

/** Silences (matchers + time window): they mark matching alerts silenced at ingest; storage goes on. */
@Injectable()
export class SilenceService {
  constructor(private readonly db: AlertDb) {}

  create(tenantId: string, request: CreateSilenceRequest, actor: Actor | undefined): Promise<SilenceView> {
    const startsAt = fromIso(request.startsAt);
    const endsAt = fromIso(request.endsAt);
    const matchers = request.matchers.map(({ name, op, value }) => ({ name, op, value }));
    validated(matchers, startsAt, endsAt);
    const now = Number(nowMicros());
    const id = uuidv7();
    const doc: SilenceDoc = { matchers, comment: request.comment ?? null };
    return this.db.inTenant(tenantId, async (sql) => {
      await sql.run(
        'INSERT INTO silences (tenant_id, id, doc, starts_at_us, ends_at_us, created_by, created_at_us, updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [tenantId, id, JSON.stringify(doc), startsAt, endsAt, actor?.id ?? null, now, now],
      );
      return this.load(sql, tenantId, id);
    });
  }

  list(tenantId: string, request: PageRequest): Promise<Page<SilenceView>> {
    const cursor = pageCursor('silences', request.cursor);
    const limit = pageLimit(request);
    return this.db.inTenant(tenantId, async (sql) => {
      const after = cursor ? ' AND (created_at_us, id) < (?, ?)' : '';
      const rows = await sql.query<Row>(
        `SELECT ${COLUMNS} FROM silences WHERE tenant_id = ?${after} ORDER BY created_at_us DESC, id DESC LIMIT ${limit + 1}`,
        cursor ? [tenantId, cursor.key, cursor.id] : [tenantId],
      );
      const now = Number(nowMicros());
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => silenceViewOf(row, now)),
        nextCursor:
          rows.length > limit && last
            ? encodeCursor({
                sort: 'silences',
                order: 'desc',
                key: Number(last['created_at_us']),
                id: last['id'] as string,
              })
            : null,
      };
    });
  }

  get(tenantId: string, id: string): Promise<SilenceView> {
    return this.db.inTenant(tenantId, (sql) => this.load(sql, tenantId, id));
  }

  update(tenantId: string, request: UpdateSilenceRequest): Promise<SilenceView> {
    return this.db.inTenant(tenantId, async (sql) => {
      const current = await this.load(sql, tenantId, request.id);
      const matchers = (request.matchers ?? current.matchers).map(({ name, op, value }) => ({ name, op, value }));
      const startsAt = fromIso(request.startsAt ?? current.startsAt);
      const endsAt = fromIso(request.endsAt ?? current.endsAt);
      validated(matchers, startsAt, endsAt);
      const doc: SilenceDoc = { matchers, comment: request.comment !== undefined ? request.comment : current.comment };
      await sql.run(
        'UPDATE silences SET doc = ?, starts_at_us = ?, ends_at_us = ?, updated_at_us = ? WHERE tenant_id = ? AND id = ?',
        [JSON.stringify(doc), startsAt, endsAt, Number(nowMicros()), tenantId, request.id],
      );
      return this.load(sql, tenantId, request.id);
    });
  }

  /** Deletes the silence; returns it as it was. */
  delete(tenantId: string, id: string): Promise<SilenceView> {
    return this.db.inTenant(tenantId, async (sql) => {
      const current = await this.load(sql, tenantId, id);
      await sql.run('DELETE FROM silences WHERE tenant_id = ? AND id = ?', [tenantId, id]);
      return current;
    });
  }

  private async load(sql: Sql, tenantId: string, id: string): Promise<SilenceView> {
    const [row] = await sql.query<Row>(`SELECT ${COLUMNS} FROM silences WHERE tenant_id = ? AND id = ?`, [
      tenantId,
      id,
    ]);
    if (!row) throw new NotFoundException(`silence ${id} not found`);
    return silenceViewOf(row, Number(nowMicros()));
  }
}
