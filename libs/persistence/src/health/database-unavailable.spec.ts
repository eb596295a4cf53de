import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { firstValueFrom } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import { VigilRpcExceptionFilter } from '@vigil/messaging';
import { isDatabaseUnavailable } from './database-unavailable.js';

/** better-sqlite3, the driver the services use (no type declarations installed). */
const Database = createRequire(import.meta.url)('better-sqlite3') as new (
  file: string,
  options?: { timeout?: number },
) => { exec(sql: string): void; close(): void };

/** What a handler's caller gets when `fn` rejects. */
async function failureOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** A TCP server that does `onConnection` with each client; closed by the returned function. */
async function tcpServer(
  onConnection: (socket: net.Socket) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const pgError = (code: string, message: string) => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code });

describe('isDatabaseUnavailable', () => {
  describe('PostgreSQL', () => {
    it('recognises a refused connection', async () => {
      const closed = await tcpServer(() => undefined);
      await closed.close();
      const client = new pg.Client({ host: '127.0.0.1', port: closed.port });
      const error = await failureOf(() => client.connect());
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    it("recognises a connection the server dropped, and the pool's connect and acquisition timeouts", async () => {
      const dropping = await tcpServer((socket) => socket.destroy());
      const silent = await tcpServer(() => undefined);
      try {
        const dropped = await failureOf(() => new pg.Client({ host: '127.0.0.1', port: dropping.port }).connect());
        expect(dropped).toMatchObject({ message: 'Connection terminated unexpectedly' });
        expect(isDatabaseUnavailable(dropped)).toBe(true);

        const pool = new pg.Pool({ host: '127.0.0.1', port: silent.port, max: 1, connectionTimeoutMillis: 200 });
        const [connecting, waiting] = await Promise.all([
          failureOf(() => pool.connect()),
          failureOf(() => pool.connect()),
        ]);
        await pool.end();
        expect(connecting).toMatchObject({ message: 'Connection terminated due to connection timeout' });
        expect(waiting).toMatchObject({ message: 'timeout exceeded when trying to connect' });
        expect(isDatabaseUnavailable(connecting)).toBe(true);
        expect(isDatabaseUnavailable(waiting)).toBe(true);
      } finally {
        await dropping.close();
        await silent.close();
      }
    });

    it('recognises the network codes, SQLSTATE class 08 and the shutdown codes, as TypeORM wraps them', () => {
      for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH'])
        expect(isDatabaseUnavailable(Object.assign(new Error(`write ${code}`), { code }))).toBe(true);
      for (const [code, message] of [
        ['08006', 'connection failure'],
        ['08001', 'could not establish connection'],
        ['08003', 'connection does not exist'],
        ['57P01', 'terminating connection due to administrator command'],
        ['57P02', 'terminating connection because of crash of another server process'],
        ['57P03', 'the database system is starting up'],
      ]) {
        expect(isDatabaseUnavailable(pgError(code, message))).toBe(true);
        expect(isDatabaseUnavailable(new QueryFailedError('INSERT INTO inbox …', [], pgError(code, message)))).toBe(
          true,
        );
      }
    });

    it('looks through causes and AggregateError (one error per address tried)', () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
      expect(isDatabaseUnavailable(new AggregateError([refused], 'all addresses failed'))).toBe(true);
      expect(isDatabaseUnavailable(new Error('batch failed', { cause: new Error('inner', { cause: refused }) }))).toBe(
        true,
      );
    });

    it("recognises the failure of a Nest bus handler, which reaches the pipeline as the exception filter's reply", async () => {
      const thrown = new QueryFailedError('SELECT 1', [], pgError('57P01', 'terminating connection'));
      const reply = await failureOf(() => firstValueFrom(new VigilRpcExceptionFilter().catch(thrown)));
      expect(JSON.parse(JSON.stringify(reply))).toEqual({
        message: 'terminating connection',
        name: 'QueryFailedError',
      });
      expect(isDatabaseUnavailable(reply)).toBe(true);
    });
  });

  describe('SQLite', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'vigil-unavailable-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('recognises a locked database and one that cannot be opened', () => {
      const file = path.join(dir, 'locked.sqlite');
      const holder = new Database(file);
      const other = new Database(file, { timeout: 0 });
      try {
        holder.exec('CREATE TABLE t (x INTEGER)');
        holder.exec('BEGIN EXCLUSIVE');
        let busy: unknown;
        try {
          other.exec('INSERT INTO t VALUES (1)');
        } catch (error) {
          busy = error;
        }
        expect(busy).toMatchObject({ code: 'SQLITE_BUSY' });
        expect(isDatabaseUnavailable(busy)).toBe(true);
        expect(isDatabaseUnavailable(new QueryFailedError('INSERT', [], busy as Error))).toBe(true);
      } finally {
        holder.close();
        other.close();
      }
      let cantOpen: unknown;
      try {
        new Database(dir); // a directory is no database file
      } catch (error) {
        cantOpen = error;
      }
      expect(cantOpen).toMatchObject({ code: 'SQLITE_CANTOPEN' });
      expect(isDatabaseUnavailable(cantOpen)).toBe(true);
      for (const code of [
        'SQLITE_LOCKED',
        'SQLITE_LOCKED_SHAREDCACHE',
        'SQLITE_IOERR',
        'SQLITE_IOERR_WRITE',
        'SQLITE_BUSY_SNAPSHOT',
      ])
        expect(isDatabaseUnavailable(Object.assign(new Error(code), { code }))).toBe(true);
    });
  });

  it('does not take the work itself failing for an outage', () => {
    const failures: unknown[] = [
      new Error('boom'),
      new QueryFailedError('INSERT', [], pgError('23505', 'duplicate key value violates unique constraint')),
      new QueryFailedError('SELEC 1', [], pgError('42601', 'syntax error at or near "SELEC"')),
      pgError('40001', 'could not serialize access due to concurrent update'),
      pgError('40P01', 'deadlock detected'),
      // Class 08, but a statement can cause it: it must not wait forever.
      pgError('08P01', 'bind message supplies 70000 parameters, but prepared statement requires 65536'),
      pgError('42501', 'permission denied for table history_sessions'),
      Object.assign(new Error('UNIQUE constraint failed: inbox.id'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' }),
      Object.assign(new Error('no such table: inbox'), { code: 'SQLITE_ERROR' }),
      // A message that only mentions a code is not the code.
      { message: 'connect ECONNREFUSED 127.0.0.1:5432' },
      'ECONNREFUSED',
      undefined,
      null,
    ];
    for (const failure of failures) expect(isDatabaseUnavailable(failure)).toBe(false);
  });

  it('ends on a cycle of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});
