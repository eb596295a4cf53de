import { Inject, Injectable, UnprocessableEntityException } from '@nestjs/common';
import {
  nowMicros,
  pageWindow,
  toPage,
  type Actor,
  type CreateSilenceRequest,
  type LabelMatcher,
  type Page,
  type PageRequest,
  type SilenceView,
  type UpdateSilenceRequest,
} from '@vigil/contracts';
import type { Logger } from '@vigil/messaging';
import { Transactions, type Sql } from '@vigil/persistence';
import { LOGGER } from '@vigil/runtime';
import { v7 as uuidv7 } from 'uuid';
import { silenceViewOf, type SilenceDoc } from '../alerts/rows.js';
import { fromIso, type Micros } from '../alerts/time.js';
import { matcherProblems, storedPredicate, type LabelPredicate } from './matchers.js';
import { SilencesStore, type SilenceRecord } from './silences.store.js';

const KEYSET = { sort: 'silences', order: 'desc' } as const;
/** Compiled matchers kept for reuse, by tenant and the silence's stored text. */
const COMPILED_CACHE_SIZE = 1000;

/** The record of a silence: validated (a bad regex or an empty window is a 422 naming it). */
function recordOf(
  id: string,
  matchers: LabelMatcher[],
  comment: string | null,
  startsAt: Micros,
  endsAt: Micros,
): SilenceRecord {
  const problems = matcherProblems(matchers);
  if (!(startsAt < endsAt)) problems.push('endsAt: must be after startsAt');
  if (problems.length) throw new UnprocessableEntityException(problems.join('; '));
  const doc: SilenceDoc = { matchers: matchers.map(({ name, op, value }) => ({ name, op, value })), comment };
  return { id, doc: JSON.stringify(doc), startsAt, endsAt };
}

/** Silences (matchers + time window): they mark matching alerts silenced at ingest; storage goes on. */
@Injectable()
export class SilencesService {
  private readonly compiled = new Map<string, LabelPredicate>();

  constructor(
    private readonly transactions: Transactions,
    private readonly store: SilencesStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  create(tenantId: string, request: CreateSilenceRequest, actor: Actor | undefined): Promise<SilenceView> {
    const record = recordOf(
      uuidv7(),
      request.matchers,
      request.comment ?? null,
      fromIso(request.startsAt),
      fromIso(request.endsAt),
    );
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      await this.store.insert(sql, tenantId, record, actor?.id ?? null, Number(nowMicros()));
      return this.view(sql, tenantId, record.id);
    });
  }

  list(tenantId: string, request: PageRequest): Promise<Page<SilenceView>> {
    const window = pageWindow(request, KEYSET);
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const rows = await this.store.page(sql, tenantId, window);
      const now = Number(nowMicros());
      return toPage(
        rows,
        window.limit,
        KEYSET,
        (row) => ({ key: Number(row['created_at_us']), id: row['id'] as string }),
        (row) => silenceViewOf(row, now),
      );
    });
  }

  get(tenantId: string, id: string): Promise<SilenceView> {
    return this.transactions.inTenant(tenantId, ({ sql }) => this.view(sql, tenantId, id));
  }

  update(tenantId: string, request: UpdateSilenceRequest): Promise<SilenceView> {
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const current = await this.view(sql, tenantId, request.id);
      const record = recordOf(
        request.id,
        request.matchers ?? current.matchers,
        request.comment !== undefined ? request.comment : current.comment,
        fromIso(request.startsAt ?? current.startsAt),
        fromIso(request.endsAt ?? current.endsAt),
      );
      await this.store.update(sql, tenantId, record, Number(nowMicros()));
      return this.view(sql, tenantId, request.id);
    });
  }

  /** Deletes the silence; returns it as it was. */
  delete(tenantId: string, id: string): Promise<SilenceView> {
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const current = await this.view(sql, tenantId, id);
      await this.store.delete(sql, tenantId, id);
      return current;
    });
  }

  /**
   * The matchers of the tenant's silences active at `now`, compiled (ingest asks once per batch and
   * tenant); `lock`: an advisory lock to take first, in the same round trip.
   */
  async activeMatchers(sql: Sql, tenantId: string, now: Micros, lock?: string): Promise<LabelPredicate[]> {
    const docs = await this.store.activeDocs(sql, tenantId, now, lock);
    // In one order, so which silences an alert's matching budget reaches does not vary between batches.
    return docs.sort().map((doc) => {
      const key = `${tenantId}\n${doc}`; // per tenant: the warnings name it
      let predicate = this.compiled.get(key);
      if (!predicate) {
        if (this.compiled.size >= COMPILED_CACHE_SIZE) this.compiled.clear();
        predicate = storedPredicate(doc, (message, details) => this.logger.warn({ tenantId, ...details }, message));
        this.compiled.set(key, predicate);
      }
      return predicate;
    });
  }

  private async view(sql: Sql, tenantId: string, id: string): Promise<SilenceView> {
    return silenceViewOf(await this.store.load(sql, tenantId, id), Number(nowMicros()));
  }
}
