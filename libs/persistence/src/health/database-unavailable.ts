/** The socket could not reach the server, or lost it. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now (starting up, shutting down, recovering). */
const PG_SHUTDOWN_CODES = new Set(['57P01', '57P02', '57P03']);

/** SQLite: the file is locked by another connection, cannot be opened, or its I/O failed (extended codes too). */
const SQLITE_CODES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN', 'SQLITE_IOERR'];

/**
 * node-postgres reports a lost or refused connection without a code: the socket ended under a
 * client ('Connection terminated unexpectedly', '… due to connection timeout'), a client broken by
 * such an error, and the pool's wait for a free connection that timed out.
 */
const PG_CONNECTION_MESSAGES = [
  /^Connection terminated\b/,
  /^Client has encountered a connection error and is not queryable$/,
  /^timeout exceeded when trying to connect$/,
];

const MAX_DEPTH = 5;

function codeOf(error: object): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function recognised(error: object): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || PG_SHUTDOWN_CODES.has(code)) return true;
    // SQLSTATE class 08: connection exceptions; not 08P01 (protocol violation), which a statement
    // can cause (too many bind parameters), and would then wait forever.
    if (/^08[0-9A-Z]{3}$/.test(code) && code !== '08P01') return true;
    if (SQLITE_CODES.some((c) => code === c || code.startsWith(`${c}_`))) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** What an error wraps: its cause, TypeORM's driver error, an AggregateError's errors (one per address tried). */
function innerErrors(error: object): unknown[] {
  const inner: unknown[] = [];
  const { cause, driverError, errors } = error as { cause?: unknown; driverError?: unknown; errors?: unknown };
  if (cause !== undefined) inner.push(cause);
  if (driverError !== undefined) inner.push(driverError);
  if (Array.isArray(errors)) inner.push(...(errors as unknown[]));
  return inner;
}

/**
 * True when an error says the database cannot be reached, not that the work was wrong: refused or
 * lost connections, PostgreSQL's connection exceptions (SQLSTATE class 08) and shutdown codes,
 * pool timeouts, and a SQLite file that is locked, cannot be opened or fails its I/O. The error
 * itself or anything it wraps (cause, TypeORM's driverError, AggregateError) counts. A message
 * failing that way waits for the database instead of spending its attempts (docs/architecture.md,
 * "Messages").
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<object>();
  const visit = (candidate: unknown, depth: number): boolean => {
    if (typeof candidate !== 'object' || candidate === null || seen.has(candidate) || depth > MAX_DEPTH) return false;
    seen.add(candidate);
    return recognised(candidate) || innerErrors(candidate).some((inner) => visit(inner, depth + 1));
  };
  return visit(error, 0);
}
