import { BadRequestException, Injectable } from '@nestjs/common';
import {
  alertIdOf,
  pageWindow,
  toPage,
  type AlertListQuery,
  type AlertView,
  type AlertWithTimeline,
  type Page,
  type SimilarAlertsQuery,
  type SimilarAlertView,
} from '@vigil/contracts';
import { Transactions } from '@vigil/persistence';
import { AlertStore } from '../alerts/alert.store.js';
import { similarViewOf, stateOf, timelineEntryOf, viewOf } from '../alerts/rows.js';
import { sessionIdsOf } from '../analysis/analysis.js';
import { likePatternOf, searchable } from '../alerts/text.js';
import { fromIso } from '../alerts/time.js';
import { QueriesStore, type AlertFilter, type SortField } from './queries.store.js';

/** The filters of a list request in the stored form: searchable text (NUL replaced), microseconds. */
export function filterOf(query: AlertListQuery): AlertFilter {
  return {
    ...(query.status ? { status: query.status } : {}),
    ...(query.severity ? { severity: query.severity } : {}),
    ...(query.alertType !== undefined ? { alertType: searchable(query.alertType) } : {}),
    labels: (query.label ?? []).map((matcher) => {
      const eq = matcher.indexOf('=');
      return [searchable(matcher.slice(0, eq)), searchable(matcher.slice(eq + 1))] as [string, string];
    }),
    ...(query.q !== undefined && query.q !== '' ? { like: likePatternOf(query.q) } : {}),
    ...(query.from !== undefined ? { from: fromIso(query.from) } : {}),
    ...(query.to !== undefined ? { to: fromIso(query.to) } : {}),
  };
}

/** Similar alerts returned when the request names no limit. */
export const SIMILAR_DEFAULT_LIMIT = 10;

/**
 * Alerts as people look at them: the list (filters, sort, keyset pages) and one alert with its
 * timeline; and as the agent looks at them: alerts similar to the one it investigates.
 */
@Injectable()
export class QueriesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly queries: QueriesStore,
    private readonly alerts: AlertStore,
  ) {}

  async list(tenantId: string, query: AlertListQuery): Promise<Page<AlertView>> {
    const keyset = { sort: (query.sort ?? 'last_seen_at') as SortField, order: query.order ?? 'desc' } as const;
    const window = pageWindow(query, keyset);
    const filter = filterOf(query);
    const search = this.queries.searchConditions(this.transactions, filter);
    const matchIds =
      search.where.length && this.transactions.dialect === 'postgres'
        ? await this.transactions.asPlatform(({ sql }) => this.queries.fewMatches(sql, tenantId, search))
        : undefined;
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const rows = await this.queries.list(sql, tenantId, filter, { ...keyset, ...window }, matchIds);
      return toPage(
        rows,
        window.limit,
        keyset,
        (row) => ({ key: Number(row['sort_key']), id: row['id'] as string }),
        (row) => viewOf(stateOf(row)),
      );
    });
  }

  /**
   * The tenant's alerts like one under investigation: the alert of the same fingerprint first (match
   * `fingerprint`), then those of the same type (match `alert_type`), newest first, without
   * `excludeId`, at most `limit` (default 10; the contract caps it at 50).
   */
  similar(tenantId: string, query: SimilarAlertsQuery): Promise<SimilarAlertView[]> {
    const fingerprint = query.fingerprint || undefined;
    const alertType = query.alertType || undefined;
    if (fingerprint === undefined && alertType === undefined)
      throw new BadRequestException('fingerprint or alertType: at least one is required');
    const limit = query.limit ?? SIMILAR_DEFAULT_LIMIT;
    const exclude = query.excludeId ? [query.excludeId.toLowerCase()] : [];
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const found: SimilarAlertView[] = [];
      if (fingerprint !== undefined) {
        const rows = await this.queries.similar(sql, tenantId, { id: alertIdOf(tenantId, fingerprint) }, exclude, 1);
        found.push(...rows.map((row) => similarViewOf(row, 'fingerprint')));
      }
      if (alertType !== undefined && found.length < limit) {
        const seen = [...exclude, ...found.map((alert) => alert.id)];
        const rows = await this.queries.similar(
          sql,
          tenantId,
          { alertType: searchable(alertType) },
          seen,
          limit - found.length,
        );
        found.push(...rows.map((row) => similarViewOf(row, 'alert_type')));
      }
      return found.slice(0, limit);
    });
  }

  get(tenantId: string, id: string): Promise<AlertWithTimeline> {
    return this.transactions.inTenant(tenantId, async ({ sql }) => {
      const state = await this.alerts.load(sql, tenantId, id, false);
      const timeline = (await this.queries.timeline(sql, tenantId, id)).map(timelineEntryOf);
      const view = viewOf(state);
      return { ...view, timeline, sessionIds: sessionIdsOf(view.analysis, timeline) };
    });
  }
}
