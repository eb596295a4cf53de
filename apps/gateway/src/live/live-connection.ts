import type { IncomingHttpHeaders } from 'node:http';
import { HttpStatus, UnauthorizedException } from '@nestjs/common';
import { RpcRemoteError } from '@vigil/messaging';
import { decodeJwt } from 'jose';
import { WebSocket, type RawData } from 'ws';
import type { Principal } from '../access/principal.js';
import { presentedCredential, type PresentedCredential } from '../access/credentials.js';
import { frameOf, type LiveEvent } from './live-events.js';
import {
  closeReason,
  CloseCodes,
  keyOf,
  parseClientFrame,
  type ClientFrame,
  type TopicKey,
  type TopicRef,
} from './live-frames.js';

/** What a connection needs from the hub: authentication, existence checks, replay, fan-out registration. */
export interface LiveConnectionHost {
  readonly limits: {
    authTimeoutMs: number;
    maxFrameBytes: number;
    framesPerMin: number;
    maxSubscriptions: number;
    maxBufferedBytes: number;
  };
  now(): number;
  /** Spends one frame of the connection's budget; false when it is spent. */
  takeFrame(connectionId: string, perMinute: number): boolean;
  authenticate(credential: Exclude<PresentedCredential, { kind: 'none' | 'unusable' }>, ip: string): Promise<Principal>;
  /** Why this principal may not read live updates, or undefined when it may. */
  refusal(principal: Principal): string | undefined;
  /** Whether the alert or session exists in the principal's tenant (another tenant's is unknown). */
  exists(principal: Principal, ref: TopicRef): Promise<boolean>;
  /** Registers the connection for its tenant's events. */
  join(connection: LiveConnection): void;
  leave(connection: LiveConnection): void;
  /** The tenant's events after `eventId`, or undefined when it is not in the replay buffer. */
  replay(tenantId: string, eventId: string): LiveEvent[] | undefined;
}

type State = 'authenticating' | 'open' | 'closed';

let connections = 0;

/**
 * One WebSocket client: authentication (on the upgrade or by the first frame), its subscriptions,
 * and the limits that protect everyone else (frame size and rate, subscriptions, send buffer).
 * Frames are handled one at a time in the order they came.
 */
export class LiveConnection {
  readonly id = `ws-${++connections}`;
  private state: State = 'authenticating';
  private principal?: Principal;
  private readonly subscriptions = new Set<TopicKey>();
  private pending: Promise<void> = Promise.resolve();
  private credential?: Exclude<PresentedCredential, { kind: 'none' | 'unusable' }>;
  private authTimer?: NodeJS.Timeout;
  private expiryTimer?: NodeJS.Timeout;
  /** Answered the last ping (heartbeat). */
  alive = true;
  /** The socket is corked, and the frame bytes written to it since (see `deliver`). */
  private corked = false;
  private corkedBytes = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly ip: string,
    private readonly host: LiveConnectionHost,
  ) {}

  get tenantId(): string | undefined {
    return this.principal?.tenantId;
  }

  get isOpen(): boolean {
    return this.state !== 'closed';
  }

  start(headers: IncomingHttpHeaders): void {
    this.socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    this.socket.on('pong', () => (this.alive = true));
    this.socket.on('close', () => this.dispose());
    this.socket.on('error', () => this.dispose());
    const credential = presentedCredential(headers);
    if (credential.kind === 'none') {
      const { authTimeoutMs } = this.host.limits;
      this.authTimer = setTimeout(
        () =>
          this.close(
            CloseCodes.Unauthenticated,
            `no credential: send Authorization: Bearer on the upgrade or {"type":"auth","token":"…"} within ${authTimeoutMs} ms`,
          ),
        authTimeoutMs,
      );
      return;
    }
    if (credential.kind === 'unusable') return this.close(CloseCodes.Unauthenticated, credential.reason);
    this.enqueue(() => this.authenticate(credential));
  }

  /**
   * Sends an event of a topic this client subscribed to; a client too slow to take it is closed.
   * Returns the bytes of the frames it was given. The socket is corked until the host calls `flush`
   * (once a turn of the event loop), so a turn's frames leave in one write, not one system call each.
   */
  deliver(event: LiveEvent): number {
    if (this.state !== 'open') return 0;
    let bytes = 0;
    for (const key of event.topics)
      if (this.subscriptions.has(key)) {
        const frame = frameOf(event, key);
        if (!this.write(frame)) break;
        bytes += frame.length;
      }
    return bytes;
  }

  /** Writes what `deliver` held back this turn. */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.corkedBytes = 0;
    this.rawSocket?.uncork();
  }

  /** An event frame, to the corked socket. */
  private write(frame: Buffer): boolean {
    if (!this.corked && this.state === 'open') {
      this.corked = true;
      this.rawSocket?.cork();
    }
    if (!this.send(frame)) return false;
    this.corkedBytes += frame.length;
    return true;
  }

  /** The TCP socket under the WebSocket (ws does not expose corking; its own writes cork and uncork in pairs). */
  private get rawSocket(): { cork(): void; uncork(): void } | undefined {
    const raw = (this.socket as unknown as { _socket?: { cork?: unknown; uncork?: unknown } })._socket;
    return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function'
      ? (raw as { cork(): void; uncork(): void })
      : undefined;
  }

  /**
   * Heartbeat: drops a client that did not answer the last ping, pings the others, and asks again
   * whether the credential still stands (through the authenticator's short caches), so a revoked key
   * or a deactivated user stops listening within a heartbeat.
   */
  heartbeat(): void {
    if (this.state === 'closed') return;
    if (!this.alive) {
      this.socket.terminate();
      this.dispose();
      return;
    }
    this.alive = false;
    this.socket.ping();
    if (this.state === 'open' && this.credential) this.enqueue(() => this.recheck());
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.dispose();
    this.socket.close(code, closeReason(reason));
    // The close frame must not wait for the turn's flush.
    this.flush();
  }

  private dispose(): void {
    if (this.state === 'closed') return;
    const joined = this.state === 'open';
    this.state = 'closed';
    clearTimeout(this.authTimer);
    clearTimeout(this.expiryTimer);
    this.subscriptions.clear();
    if (joined) this.host.leave(this);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    const { maxFrameBytes, framesPerMin } = this.host.limits;
    if (bytes > maxFrameBytes) return this.close(1009, `frame of ${bytes} bytes: at most ${maxFrameBytes}`);
    if (!this.host.takeFrame(this.id, framesPerMin))
      return this.close(CloseCodes.TooManyFrames, `more than ${framesPerMin} frames a minute`);
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    const frame = isBinary
      ? { code: 'bad_frame', message: 'frames are JSON text, not binary' }
      : parseClientFrame(text);
    // Answers go out in the order the frames came, errors included.
    this.enqueue(() => ('code' in frame ? this.error(frame) : this.handle(frame)));
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.pending = this.pending.then(step).catch(() => this.close(1011, 'internal error'));
  }

  private async handle(frame: ClientFrame): Promise<void> {
    if (this.state === 'closed') return;
    if (frame.type === 'auth') {
      if (this.state === 'open') return this.error({ code: 'bad_frame', message: 'already authenticated' });
      clearTimeout(this.authTimer);
      const credential = presentedCredential({ authorization: `Bearer ${frame.token}` });
      if (credential.kind === 'none' || credential.kind === 'unusable')
        return this.close(CloseCodes.Unauthenticated, credential.kind === 'unusable' ? credential.reason : 'no token');
      return this.authenticate(credential);
    }
    if (this.state !== 'open')
      return this.error({ code: 'unauthenticated', message: 'send {"type":"auth","token":"…"} first' });
    if (frame.type === 'unsubscribe') {
      this.subscriptions.delete(keyOf(frame.ref));
      return this.sendFrame({ type: 'unsubscribed', ...frame.ref });
    }
    return this.subscribe(frame.ref, frame.after);
  }

  private async authenticate(credential: Exclude<PresentedCredential, { kind: 'none' | 'unusable' }>): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.host.authenticate(credential, this.ip);
    } catch (error) {
      if (error instanceof UnauthorizedException) return this.close(CloseCodes.Unauthenticated, error.message);
      return this.close(CloseCodes.Unavailable, 'credentials cannot be checked right now: try again');
    }
    if (this.state === 'closed') return;
    const refusal = this.host.refusal(principal);
    if (refusal) return this.close(CloseCodes.Forbidden, refusal);
    this.principal = principal;
    this.credential = credential;
    const expiresAt = credential.kind === 'jwt' ? expiryOf(credential.token) : undefined;
    if (expiresAt !== undefined) {
      const left = expiresAt - this.host.now();
      if (left <= 0) return this.close(CloseCodes.Unauthenticated, 'access token expired');
      this.expiryTimer = setTimeout(
        () => this.close(CloseCodes.Unauthenticated, 'access token expired'),
        Math.min(left, 2 ** 31 - 1),
      );
    }
    this.state = 'open';
    this.host.join(this);
    this.sendFrame({
      type: 'authenticated',
      tenantId: principal.tenantId,
      ...(expiresAt !== undefined ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
    });
  }

  private async recheck(): Promise<void> {
    if (this.state !== 'open' || !this.credential) return;
    try {
      await this.host.authenticate(this.credential, this.ip);
    } catch (error) {
      // Only a refusal closes: a user service that does not answer now is asked again next time.
      if (error instanceof UnauthorizedException) this.close(CloseCodes.Unauthenticated, error.message);
    }
  }

  private async subscribe(ref: TopicRef, after: string | undefined): Promise<void> {
    const key = keyOf(ref);
    const { maxSubscriptions } = this.host.limits;
    if (!this.subscriptions.has(key) && this.subscriptions.size >= maxSubscriptions)
      return this.error({
        code: 'too_many_subscriptions',
        message: `at most ${maxSubscriptions} subscriptions at once: unsubscribe first`,
        ref,
      });
    if (ref.id !== undefined) {
      let found: boolean;
      try {
        found = await this.host.exists(this.principal!, ref);
      } catch {
        return this.error({
          code: 'unavailable',
          message: `the ${ref.topic} cannot be checked right now: try again`,
          ref,
        });
      }
      if (this.state !== 'open') return;
      if (!found) return this.error({ code: 'not_found', message: `no ${ref.topic} ${ref.id}`, ref });
    }
    // From here to the last replayed frame nothing awaits: no live event can slip in between.
    this.subscriptions.add(key);
    const missed = after === undefined ? undefined : this.host.replay(this.principal!.tenantId, after);
    const replayed = missed?.filter((event) => event.topics.includes(key)) ?? [];
    this.sendFrame({ type: 'subscribed', ...ref, ...(after !== undefined ? { replayed: replayed.length } : {}) });
    if (after !== undefined && !missed) return this.sendFrame({ type: 'resync', ...ref, after });
    for (const event of replayed) if (!this.write(frameOf(event, key))) break;
    this.flush();
  }

  private error(problem: { code: string; message: string; ref?: Partial<TopicRef> }): void {
    this.sendFrame({ type: 'error', code: problem.code, message: problem.message, ...problem.ref });
  }

  private sendFrame(frame: object): void {
    this.send(JSON.stringify(frame));
  }

  /** Writes a text frame; false when the client is closed, or closed now as too slow. */
  private send(data: string | Buffer): boolean {
    if (this.state === 'closed' || this.socket.readyState !== WebSocket.OPEN) return false;
    const { maxBufferedBytes } = this.host.limits;
    // What the socket could not send yet: this turn's corked frames have not been tried.
    if (this.socket.bufferedAmount - this.corkedBytes > maxBufferedBytes) {
      this.close(CloseCodes.TooSlow, `too slow: more than ${maxBufferedBytes} bytes waiting to be sent`);
      return false;
    }
    this.socket.send(data, { binary: false });
    return true;
  }
}

/** An access token's expiry (epoch ms); the token was verified before this is read. */
function expiryOf(token: string): number | undefined {
  const { exp } = decodeJwt(token);
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** A 404 from the alert or history service: no such object in the caller's tenant. */
export function isNotFound(error: unknown): boolean {
  return error instanceof RpcRemoteError && error.status === HttpStatus.NOT_FOUND;
}
