import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  nowMicros,
  RoutingKeys,
  type AgentLlmInteraction,
  type AgentMcpInteraction,
  type AgentSessionCompleted,
  type AgentSessionFailed,
  type AgentSessionStarted,
  type Envelope,
} from '@vigil/contracts';
import { Transactions, type BatchConsumer, type Duplicate, type EnvelopeSource, type Tx } from '@vigil/persistence';
import { HistoryStore } from './history.store.js';
import type { AgentEnvelope } from './rows.js';

/** Envelopes written in one transaction at most, and how long the first one waits for others. */
const BATCH_MAX_EVENTS = 500;
const BATCH_FLUSH_MS = 5;
/** Batches written at the same time, each for its own share of the tenants. */
const BATCH_LANES = 2;

/**
 * Stores the agent runner's session events, in batches: each envelope waits for its batch, which
 * claims the envelope ids in the inbox and writes the steps and sessions in one transaction per
 * batch (see Transactions.batched); then its message is acked. A redelivered envelope changes
 * nothing, and the stored result does not depend on the order the events arrive in.
 */
@Injectable()
export class ConsumptionService implements OnModuleInit {
  private consumer!: BatchConsumer<AgentEnvelope['payload'], void>;

  constructor(
    private readonly transactions: Transactions,
    private readonly store: HistoryStore,
  ) {}

  onModuleInit(): void {
    this.consumer = this.transactions.batched<AgentEnvelope['payload'], void>(
      { maxWeight: BATCH_MAX_EVENTS, maxDelayMs: BATCH_FLUSH_MS, lanes: BATCH_LANES },
      (tx, envelopes) => this.write(tx, envelopes),
    );
  }

  consume(source: EnvelopeSource): Promise<void | Duplicate> {
    return this.consumer.consume(source);
  }

  /** One tenant's part of a batch: session rows first, then the steps, then each session's fields at once. */
  private async write(tx: Tx, envelopes: Envelope<AgentEnvelope['payload']>[]): Promise<void[]> {
    const { sql, tenantId } = tx;
    const now = Number(nowMicros());
    const llm: AgentLlmInteraction[] = [];
    const mcp: AgentMcpInteraction[] = [];
    const starts: AgentSessionStarted[] = [];
    const ends: (AgentSessionCompleted | AgentSessionFailed)[] = [];
    const maxSequence = new Map<string, number>();
    for (const envelope of envelopes) {
      const payload = envelope.payload;
      maxSequence.set(payload.sessionId, Math.max(maxSequence.get(payload.sessionId) ?? 0, payload.sequence));
      switch (envelope.type) {
        case RoutingKeys.AgentLlmInteraction:
          llm.push(payload as AgentLlmInteraction);
          break;
        case RoutingKeys.AgentMcpInteraction:
          mcp.push(payload as AgentMcpInteraction);
          break;
        case RoutingKeys.AgentSessionStarted:
          starts.push(payload as AgentSessionStarted);
          break;
        case RoutingKeys.AgentSessionCompleted:
        case RoutingKeys.AgentSessionFailed:
          ends.push(payload as AgentSessionCompleted | AgentSessionFailed);
          break;
        default:
          throw new Error(`history does not consume ${envelope.type}`);
      }
    }
    // Sessions in a fixed order, so two batches of one tenant lock their rows in the same order.
    const sessions = [...maxSequence.keys()].sort();
    await this.store.ensureSessions(sql, tenantId, sessions, now);
    await this.store.insertSteps(sql, tenantId, llm, mcp);
    await this.store.settle(sql, tenantId, maxSequence, starts, ends, now);
    return envelopes.map(() => undefined);
  }
}
