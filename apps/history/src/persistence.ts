import { definePersistence } from '@vigil/persistence';
import { CreateHistory1796216613361 as CreateHistoryPostgres } from './migrations/postgres/1796216613361-CreateHistory.js';
import { CreateHistory1796216613361 as CreateHistorySqlite } from './migrations/sqlite/1796216613361-CreateHistory.js';
import { HistoryListIndexes1796225000000 as ListIndexesPostgres } from './migrations/postgres/1796225000000-HistoryListIndexes.js';
import { HistoryListIndexes1796225000000 as ListIndexesSqlite } from './migrations/sqlite/1796225000000-HistoryListIndexes.js';
import { HISTORY_ENTITIES } from './sessions/history.entity.js';

/**
 * The tables the history service owns, with their committed migrations per dialect. The shared inbox
 * (handled envelope ids) is added by @vigil/persistence.
 */
export const persistence = definePersistence('history', {
  entities: HISTORY_ENTITIES,
  migrations: {
    postgres: [CreateHistoryPostgres, ListIndexesPostgres],
    sqlite: [CreateHistorySqlite, ListIndexesSqlite],
  },
});
