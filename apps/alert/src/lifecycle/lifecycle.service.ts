import { ConflictException, Injectable } from '@nestjs/common';
import { nowMicros, type Actor, type AlertView, type TimelineEntry } from '@vigil/contracts';
import { Transactions } from '@vigil/persistence';
import { AlertStore } from '../alerts/alert.store.js';
import { viewOf } from '../alerts/rows.js';
import { toIso } from '../alerts/time.js';
import { actorIdOf, addNote, transition, type TransitionAction } from './lifecycle.js';

/** What people do to an alert: acknowledge, resolve, add a note. */
@Injectable()
export class LifecycleService {
  constructor(
    private readonly transactions: Transactions,
    private readonly alerts: AlertStore,
  ) {}

  transition(
    tenantId: string,
    id: string,
    action: TransitionAction,
    actor: Actor | undefined,
    note: string | null,
  ): Promise<AlertView> {
    return this.transactions.inTenant(tenantId, async (tx) => {
      const before = await this.alerts.load(tx.sql, tenantId, id, true);
      const result = transition(before, action, actorIdOf(actor), note, Number(nowMicros()));
      if (!result.ok) throw new ConflictException(result.conflict);
      const { state, timeline, events } = result.outcome;
      for (const event of events) tx.emitEvent(event, actor ? { actor } : {});
      await this.alerts.save(
        tx.sql,
        tenantId,
        [state],
        timeline.map((draft) => ({ alertId: id, draft })),
      );
      return viewOf(state);
    });
  }

  addNote(tenantId: string, id: string, text: string, actor: Actor | undefined): Promise<TimelineEntry> {
    return this.transactions.inTenant(tenantId, async (tx) => {
      const before = await this.alerts.load(tx.sql, tenantId, id, true);
      const { state, timeline, events } = addNote(before, text, actorIdOf(actor), Number(nowMicros()));
      const [draft] = timeline;
      await this.alerts.save(tx.sql, tenantId, [state], []);
      const entryId = await this.alerts.addEntry(tx.sql, tenantId, id, draft!);
      for (const event of events) tx.emitEvent(event, actor ? { actor } : {});
      return {
        id: entryId,
        at: toIso(draft!.at),
        kind: draft!.kind,
        by: draft!.by,
        note: draft!.note,
        details: draft!.details,
      };
    });
  }
}
