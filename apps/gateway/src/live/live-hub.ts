import type { IncomingMessage } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { RpcPatterns, type Envelope } from '@vigil/contracts';
import { CLOCK, type Clock } from '@vigil/runtime';
import type { WebSocket } from 'ws';
import { Authenticator } from '../access/authenticator.js';
import type { PresentedCredential } from '../access/credentials.js';
import { authorize } from '../access/policy.js';
import type { Principal } from '../access/principal.js';
import { RateLimiter } from '../access/rate-limiter.js';
import { AlertServiceClient } from '../bus/alert-service.client.js';
import type { GatewayConfig } from '../gateway.config.js';
import { HistoryClient } from '../history/history.client.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { isNotFound, LiveConnection, type LiveConnectionHost } from './live-connection.js';
import { topicsOf, type LiveEvent } from './live-events.js';
import { keyOf, type TopicRef } from './live-frames.js';
import { ReplayBuffer } from './replay-buffer.js';

/** Who may read live updates: whoever may read alerts (docs/access.md). */
const READ_ALERTS = {
  kind: 'credential',
  roles: ['admin', 'manager', 'operator', 'viewer'],
  scopes: ['alerts:read'],
} as const;

/**
 * The bytes one client may be written in one turn of the event loop; the events after that wait for
 * the next turn, in order. A relay queue with a backlog hands over up to the service's prefetch at
 * once: written in one go, that would fill the sockets faster than any client reads them, and take
 * every client for a slow one. Between turns the sockets drain, so the send-buffer limit measures
 * the client, not the burst.
 */
const CLIENT_TURN_BYTES = 256 * 1024;

interface TenantFeed {
  readonly buffer: ReplayBuffer;
  readonly connections: Set<LiveConnection>;
}

/**
 * The live updates of this gateway replica: the connected clients by tenant and each tenant's
 * recent events. Every replica hears every relayed event on a queue of its own (LiveHandlers), so
 * a client gets the same stream whichever replica it is connected to.
 */
@Injectable()
export class LiveHub implements LiveConnectionHost, OnModuleInit, OnModuleDestroy {
  readonly limits: LiveConnectionHost['limits'];
  private readonly tenants = new Map<string, TenantFeed>();
  private readonly open = new Set<LiveConnection>();
  private readonly frameBudgets: RateLimiter;
  private heartbeatTimer?: NodeJS.Timeout;
  /** Events waiting for the next turn (CLIENT_TURN_BYTES), oldest first. */
  private readonly waiting: { envelope: Envelope<object>; relayed: () => void }[] = [];
  /** The bytes each client was written this turn, and the most any of them was. */
  private readonly turnBytes = new Map<LiveConnection, number>();
  private turnMax = 0;
  private turnScheduled = false;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly authenticator: Authenticator,
    private readonly alerts: AlertServiceClient,
    private readonly history: HistoryClient,
  ) {
    this.limits = {
      authTimeoutMs: config.LIVE_AUTH_TIMEOUT_MS,
      maxFrameBytes: config.LIVE_MAX_FRAME_BYTES,
      framesPerMin: config.LIVE_FRAMES_PER_MIN,
      maxSubscriptions: config.LIVE_MAX_SUBSCRIPTIONS,
      maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
    };
    this.frameBudgets = new RateLimiter(100_000, clock);
  }

  onModuleInit(): void {
    this.heartbeatTimer = setInterval(() => {
      for (const connection of this.open) connection.heartbeat();
    }, this.config.LIVE_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeatTimer);
    for (const connection of [...this.open]) connection.close(1001, 'the gateway is shutting down');
  }

  /** A new WebSocket client. */
  accept(socket: WebSocket, request: IncomingMessage): void {
    const connection = new LiveConnection(socket, (request.socket.remoteAddress ?? 'unknown').slice(0, 64), this);
    this.open.add(connection);
    socket.once('close', () => this.open.delete(connection));
    connection.start(request.headers);
  }

  /**
   * An event from the bus: kept for replay, then sent to the tenant's subscribers, now or, once a
   * client was written CLIENT_TURN_BYTES this turn, in a later turn (the promise says when).
   */
  relay(envelope: Envelope<object>): Promise<void> | undefined {
    if (this.waiting.length === 0 && this.turnMax < CLIENT_TURN_BYTES) {
      this.relayNow(envelope);
      return undefined;
    }
    return new Promise((relayed) => {
      this.waiting.push({ envelope, relayed });
      this.nextTurn();
    });
  }

  /** A new turn: the clients' counts start again, and the waiting events go while the budget lasts. */
  private nextTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      for (const connection of this.turnBytes.keys()) connection.flush();
      this.turnBytes.clear();
      this.turnMax = 0;
      while (this.waiting.length && this.turnMax < CLIENT_TURN_BYTES) {
        const { envelope, relayed } = this.waiting.shift()!;
        this.relayNow(envelope);
        relayed();
      }
      if (this.waiting.length) this.nextTurn();
    });
  }

  private relayNow(envelope: Envelope<object>): void {
    const topics = topicsOf(envelope);
    if (topics.length === 0) return;
    const feed = this.feedOf(envelope.tenantId);
    if (feed.buffer.has(envelope.id)) return; // a redelivery
    const event: LiveEvent = {
      id: envelope.id,
      type: envelope.type,
      topics,
      payload: envelope.payload,
      receivedAt: this.clock(),
    };
    feed.buffer.push(event);
    for (const connection of feed.connections) {
      const bytes = connection.deliver(event);
      if (bytes === 0) continue;
      const total = (this.turnBytes.get(connection) ?? 0) + bytes;
      this.turnBytes.set(connection, total);
      if (total > this.turnMax) this.turnMax = total;
    }
    if (this.turnBytes.size) this.nextTurn();
  }

  /** Connected clients (metrics, tests). */
  get connectionCount(): number {
    return this.open.size;
  }

  now(): number {
    return this.clock();
  }

  takeFrame(connectionId: string, perMinute: number): boolean {
    return this.frameBudgets.take(connectionId, perMinute).allowed;
  }

  authenticate(
    credential: Exclude<PresentedCredential, { kind: 'none' | 'unusable' }>,
    ip: string,
  ): Promise<Principal> {
    return this.authenticator.authenticate(credential, ip);
  }

  refusal(principal: Principal): string | undefined {
    const decision = authorize(READ_ALERTS, principal);
    return decision.allowed ? undefined : decision.reason.replace('this route', 'live updates');
  }

  async exists(principal: Principal, ref: TopicRef): Promise<boolean> {
    // An object this tenant's events named moments ago exists: the history may not have it yet.
    if (this.tenants.get(principal.tenantId)?.buffer.knows(keyOf(ref))) return true;
    try {
      if (ref.topic === 'alert') await this.alerts.asCaller(RpcPatterns.AlertGet, principal, { id: ref.id });
      else await this.history.asCaller(RpcPatterns.HistorySessionGet, principal, { id: ref.id });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  join(connection: LiveConnection): void {
    this.feedOf(connection.tenantId!).connections.add(connection);
  }

  leave(connection: LiveConnection): void {
    const tenantId = connection.tenantId;
    if (tenantId) this.tenants.get(tenantId)?.connections.delete(connection);
  }

  replay(tenantId: string, eventId: string): LiveEvent[] | undefined {
    return this.tenants.get(tenantId)?.buffer.after(eventId);
  }

  private feedOf(tenantId: string): TenantFeed {
    let feed = this.tenants.get(tenantId);
    if (!feed) {
      feed = {
        buffer: new ReplayBuffer(
          {
            keep: this.config.LIVE_REPLAY_EVENTS,
            windowMs: this.config.LIVE_REPLAY_WINDOW_MS,
            max: Math.max(this.config.LIVE_REPLAY_MAX_EVENTS, this.config.LIVE_REPLAY_EVENTS),
          },
          this.clock,
        ),
        connections: new Set(),
      };
      this.tenants.set(tenantId, feed);
    }
    return feed;
  }
}
