import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  isoMicros,
  nowMicros,
  RoutingKeys,
  RpcPatterns,
  type Actor,
  type AlertCreated,
  type AlertView,
  type Envelope,
  type EventOf,
  type InvestigationAccepted,
  type InvestigationRequested,
  type TokenUsage,
} from '@vigil/contracts';
import { EmbeddedBroker, RpcRemoteError, VigilBusClient, type Logger, type MessageBroker } from '@vigil/messaging';
import { Transactions, type Tx, isUniqueViolation } from '@vigil/persistence';
import { LOGGER, MESSAGE_BROKER } from '@vigil/runtime';
import { v7 as uuidv7 } from 'uuid';
import { AGENT_RUNNER_CONFIG, type AgentRunnerConfig } from '../agent-runner.config.js';
import { AgentRegistry, type Agent } from '../agents/index.js';
import { ALERTS_TOKEN_META, AlertsLookup } from '../core/alerts-lookup.js';
import { ALLOWED_CIDRS, LLM_CLIENT } from '../core/agent-core.module.js';
import { Budget, type LlmClient } from '../llm/index.js';
import { McpConnections, type HttpServerSpec } from '../mcp/index.js';
import { fetchRunbook, RunbookCache, type Cidr, type RunbookResult } from '../safety/index.js';
import { investigate, type InvestigationOutcome, type ToolHost } from './investigate.js';
import { InvestigationStore, type Investigation } from './investigation.store.js';
import { SessionRecorder, type SessionEventSink } from './recorder.js';
import { Semaphore } from './semaphore.js';

/** A tenant's own MCP servers, as clients take them (headers decrypted). */
export interface TenantMcpSpecs {
  specsFor(tenantId: string): Promise<HttpServerSpec[]>;
}
export const TENANT_MCP_SPECS = Symbol('TENANT_MCP_SPECS');

/** What one consumed message asks for. */
interface Job {
  tenantId: string;
  alertId: string;
  /** The envelope that asked (a redelivery finds its session by it). */
  sourceId: string;
  trigger: 'alert' | 'manual';
  /** Manual: the session promised to the caller. */
  sessionId?: string;
  requestedBy?: string;
}

/** How a session ends. */
type SessionEnd =
  { status: 'completed'; text: string; forcedConclusion: boolean } | { status: 'failed' | 'skipped'; error: string };

/** Why a session is skipped when the runner has no model. */
const NO_MODEL = 'no model is configured (set OPENAI_BASE_URL to an OpenAI-compatible endpoint)';

/** A session that started: its row is in_progress and agent.session.started is in the outbox. */
interface Started {
  sessionId: string;
  agent: Agent;
  alert: AlertView;
}

interface Running {
  tenantId: string;
  abort: AbortController;
  sessionId?: string;
  recorder?: SessionRecorder;
}

const HEARTBEAT_MS = 30_000;
/** An in_progress session with no sign of life for this long was cut off (its runner died). */
const STALE_AFTER_MS = 4 * HEARTBEAT_MS;
/** A manual request whose message never came (say, it was dead-lettered) is closed after a day. */
const PENDING_STALE_AFTER_MS = 24 * 3_600_000;
const SWEEP_MS = 60_000;

/** Thrown into a running investigation's handler when the service stops: the message goes back to the queue. */
class ShuttingDown extends Error {
  constructor() {
    super('the agent runner is stopping; the investigation will be started again');
  }
}

/**
 * Investigates alerts: one session per new alert (silenced ones excepted) or per request, at most
 * AGENT_MAX_CONCURRENCY at once per replica (the rest wait in the queue, for any replica). Each
 * session starts and ends in a transaction that also writes its agent.* event (outbox); its steps are
 * recorded as they happen. A session cut off by a crash is closed as failed — by the redelivery of its
 * message, which then starts it again, or by the sweep — and never stays in_progress.
 */
@Injectable()
export class InvestigationsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly slots: Semaphore;
  /** By the envelope that asked: what shutdown stops and the heartbeat renews. */
  private readonly running = new Map<string, Running>();
  private readonly runbooks = new RunbookCache();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly transactions: Transactions,
    private readonly store: InvestigationStore,
    private readonly registry: AgentRegistry,
    private readonly connections: McpConnections,
    @Inject(TENANT_MCP_SPECS) private readonly tenantServers: TenantMcpSpecs,
    private readonly lookup: AlertsLookup,
    private readonly bus: VigilBusClient,
    @Inject(LLM_CLIENT) private readonly llm: LlmClient | null,
    @Inject(ALLOWED_CIDRS) private readonly allowedCidrs: Cidr[],
    @Inject(AGENT_RUNNER_CONFIG) private readonly config: AgentRunnerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MESSAGE_BROKER) private readonly broker: MessageBroker,
  ) {
    this.slots = new Semaphore(config.AGENT_MAX_CONCURRENCY);
  }

  onApplicationBootstrap(): void {
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    // The embedded broker (standalone) keeps its queues in this process: the messages of the sessions
    // a crash cut off died with it, so nothing would redeliver them.
    if (this.broker instanceof EmbeddedBroker) void this.requeueAfterRestart();
    else void this.sweep();
  }

  /** Stops the running investigations; their messages go back to the queue (see ShuttingDown). */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    clearInterval(this.heartbeatTimer);
    clearInterval(this.sweepTimer);
    for (const run of this.running.values()) {
      run.abort.abort(new ShuttingDown());
      run.recorder?.stop();
    }
  }

  /** How many investigations this replica runs now. */
  get active(): number {
    return this.running.size;
  }

  // ---- entry points ------------------------------------------------------------------------------

  async onAlertCreated(envelope: Envelope<AlertCreated>): Promise<void> {
    const { alert } = envelope.payload;
    if (alert.silenced) {
      this.logger.info({ alertId: alert.alertId }, 'alert is silenced: not investigated');
      return;
    }
    await this.run({ tenantId: envelope.tenantId, alertId: alert.alertId, sourceId: envelope.id, trigger: 'alert' });
  }

  async onRequested(envelope: Envelope<InvestigationRequested>): Promise<void> {
    const { sessionId, alertId, requestedBy, trigger } = envelope.payload;
    await this.run({
      tenantId: envelope.tenantId,
      alertId,
      sourceId: envelope.id,
      trigger: trigger ?? 'manual',
      sessionId,
      ...(requestedBy && { requestedBy }),
    });
  }

  /** POST /api/v1/alerts/:id/investigations: queue an investigation and promise its session id. */
  async request(tenantId: string, alertId: string, actor: Actor | undefined): Promise<InvestigationAccepted> {
    const alert = await this.fetchAlert(tenantId, alertId);
    if (!alert) throw new NotFoundException(`alert ${alertId} not found`);
    const sessionId = uuidv7();
    try {
      await this.transactions.inTenant(tenantId, async (tx) => {
        const active = await this.store.activeFor(tx.sql, tenantId, alertId);
        if (active) throw this.alreadyRunning(active.sessionId);
        await this.store.insert(tx.sql, {
          sessionId,
          tenantId,
          alertId,
          sourceId: null,
          trigger: 'manual',
          status: 'pending',
          agent: null,
          requestedBy: actor?.id ?? null,
          nowUs: nowMicros(),
        });
        tx.emit(
          RoutingKeys.AgentInvestigationRequested,
          { sessionId, alertId, ...(actor?.id && { requestedBy: actor.id }) },
          actor ? { actor } : {},
        );
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const active = await this.transactions.inTenant(tenantId, (tx) =>
        this.store.activeFor(tx.sql, tenantId, alertId),
      );
      throw this.alreadyRunning(active?.sessionId ?? null);
    }
    return { sessionId, alertId, status: 'pending' };
  }

  private alreadyRunning(sessionId: string | null): ConflictException {
    return new ConflictException({
      message: `an investigation of this alert is already queued or running${sessionId ? ` (session ${sessionId})` : ''}`,
      sessionId,
    });
  }

  // ---- one investigation --------------------------------------------------------------------------

  private async run(job: Job): Promise<void> {
    await this.slots.acquire();
    const abort = new AbortController();
    const key = job.sourceId;
    this.running.set(key, { tenantId: job.tenantId, abort });
    try {
      if (this.stopping) throw new ShuttingDown();
      const alert = await this.fetchAlert(job.tenantId, job.alertId);
      if (!alert) {
        this.logger.warn({ alertId: job.alertId }, 'the alert to investigate no longer exists');
        if (job.sessionId) await this.closeOrphan(job, 'the alert no longer exists');
        return;
      }
      const agent = this.registry.agentFor(alert.alertType);
      // With no model there is nothing to investigate: the session opens and closes as skipped in one
      // transaction (its two events committed together), not two.
      const started = await this.begin(job, alert, agent, this.llm ? undefined : NO_MODEL);
      if (!started) return;
      await this.investigateAndClose(job, started, abort);
    } finally {
      this.running.delete(key);
      this.slots.release();
    }
  }

  /**
   * Opens the session in one transaction with its agent.session.started: a pending (manual) one starts;
   * a redelivered message whose session was cut off closes that one as failed and opens a new one; an
   * envelope already investigated, or an alert already under investigation, opens nothing. With
   * `skip` (no model), the session opened is closed as skipped for that reason in the same
   * transaction, and null is returned: there is nothing more to do.
   */
  private async begin(job: Job, alert: AlertView, agent: Agent, skip?: string): Promise<Started | null> {
    try {
      return await this.transactions.inTenant(job.tenantId, async (tx) => {
        const started = await this.open(tx, job, alert, agent);
        if (started && skip !== undefined) {
          await this.closeIn(tx, job.tenantId, started, 1, zeroTokens(), { status: 'skipped', error: skip });
          return null;
        }
        return started;
      });
    } catch (error) {
      // Another replica opened a session for the alert between our check and our insert.
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** begin's work in its transaction: the session opened (and its start emitted), or null. */
  private async open(tx: Tx, job: Job, alert: AlertView, agent: Agent): Promise<Started | null> {
    const nowUs = nowMicros();
    const existing = job.sessionId
      ? await this.store.bySession(tx.sql, job.tenantId, job.sessionId)
      : await this.store.bySource(tx.sql, job.tenantId, job.sourceId);
    if (existing && !['pending', 'in_progress'].includes(existing.status)) return null;
    if (existing?.status === 'pending') {
      await this.store.markStarted(tx.sql, job.tenantId, existing.sessionId, agent.name, nowUs);
      this.emitStarted(tx, existing.sessionId, job, alert, agent, nowUs);
      return { sessionId: existing.sessionId, agent, alert };
    }
    if (existing?.status === 'in_progress') {
      await this.closeCutOff(
        tx,
        existing,
        alert,
        'the agent runner stopped during the investigation; it was started again',
      );
    } else {
      const active = await this.store.activeFor(tx.sql, job.tenantId, job.alertId);
      if (active) {
        this.logger.info({ alertId: job.alertId, sessionId: active.sessionId }, 'already under investigation');
        return null;
      }
    }
    const sessionId = uuidv7();
    await this.store.insert(tx.sql, {
      sessionId,
      tenantId: job.tenantId,
      alertId: job.alertId,
      sourceId: job.sourceId,
      trigger: job.trigger,
      status: 'in_progress',
      agent: agent.name,
      requestedBy: job.requestedBy ?? null,
      nowUs,
    });
    this.emitStarted(tx, sessionId, job, alert, agent, nowUs);
    return { sessionId, agent, alert };
  }

  private emitStarted(tx: Tx, sessionId: string, job: Job, alert: AlertView, agent: Agent, nowUs: bigint): void {
    const { analysis: _analysis, ...alertData } = alert;
    tx.emit(RoutingKeys.AgentSessionStarted, {
      sessionId,
      sequence: 0,
      alertId: alert.id,
      alertType: alert.alertType,
      agentType: agent.name,
      alertData: alertData as unknown as Record<string, unknown>,
      trigger: job.trigger,
      ...(this.llm && { model: agent.model }),
      startedAt: isoMicros(nowUs),
      stepDescription: `Started the investigation with agent ${agent.name}`.slice(0, 500),
    });
  }

  private async investigateAndClose(job: Job, started: Started, abort: AbortController): Promise<void> {
    const { sessionId, agent, alert } = started;
    // begin closed the session as skipped when there is no model.
    if (!this.llm) throw new Error('investigateAndClose needs a model');
    const recorder = new SessionRecorder(job.tenantId, sessionId, this.sink, {
      interactions: this.config.HISTORY_ENABLED,
      logger: this.logger,
    });
    const entry = this.running.get(job.sourceId);
    if (entry) Object.assign(entry, { recorder, sessionId });
    const budget = new Budget(
      { maxTokens: this.config.AGENT_MAX_TOKENS, maxDurationMs: this.config.AGENT_TIMEOUT_MS },
      Date.now,
      abort.signal,
    );
    const tools = await this.toolsFor(job.tenantId, agent, alert);
    let outcome: InvestigationOutcome;
    try {
      const runbook = await this.runbook(alert);
      outcome = await investigate({
        agent,
        servers: tools.servers,
        alert,
        runbook,
        llm: this.llm,
        tools: tools.host,
        budget,
        recorder,
        toolResultMaxChars: this.config.AGENT_TOOL_RESULT_MAX_CHARS,
      });
    } finally {
      budget.dispose();
      await tools.close();
    }
    if (abort.signal.aborted) throw abort.signal.reason as Error;
    await recorder.drain();
    await this.close(
      job.tenantId,
      started,
      recorder.next(),
      recorder.totals,
      outcome.status === 'completed'
        ? { status: 'completed', text: outcome.text, forcedConclusion: outcome.forcedConclusion }
        : { status: 'failed', error: outcome.error },
    );
  }

  /** The closing transaction: the row and the closing event together; nothing if the session was closed meanwhile. */
  private async close(tenantId: string, started: Started, sequence: number, tokens: TokenUsage, end: SessionEnd) {
    await this.transactions.inTenant(tenantId, (tx) => this.closeIn(tx, tenantId, started, sequence, tokens, end));
  }

  private async closeIn(
    tx: Tx,
    tenantId: string,
    started: Started,
    sequence: number,
    tokens: TokenUsage,
    end: SessionEnd,
  ): Promise<void> {
    const { sessionId, agent, alert } = started;
    const nowUs = nowMicros();
    const closed = await this.store.close(
      tx.sql,
      tenantId,
      sessionId,
      end.status,
      end.status === 'completed' ? null : end.error,
      sequence,
      nowUs,
    );
    if (!closed) {
      this.logger.warn({ sessionId }, 'the session was closed meanwhile (cut off); its result is dropped');
      return;
    }
    const common = {
      sessionId,
      sequence,
      alertId: alert.id,
      alertType: alert.alertType,
      agentType: agent.name,
      tokens,
      completedAt: isoMicros(nowUs),
    };
    if (end.status === 'completed')
      tx.emit(RoutingKeys.AgentSessionCompleted, {
        ...common,
        finalAnalysis: end.text,
        forcedConclusion: end.forcedConclusion,
        stepDescription: end.forcedConclusion
          ? 'Concluded without tools, at the limit of iterations or tokens'
          : 'Concluded with an analysis',
      });
    else
      tx.emit(RoutingKeys.AgentSessionFailed, {
        ...common,
        status: end.status,
        error: end.error,
        stepDescription: endingLine(end.status, end.error),
      });
  }

  /** Closes a session cut off by a crash as failed, its closing event numbered after its last recorded one. */
  private async closeCutOff(
    tx: Tx,
    row: Investigation,
    alert: AlertView | null,
    reason: string,
    staleBeforeUs?: bigint,
  ) {
    const nowUs = nowMicros();
    const sequence = row.lastSequence + 1;
    const closed = await this.store.close(
      tx.sql,
      row.tenantId,
      row.sessionId,
      'failed',
      reason,
      sequence,
      nowUs,
      staleBeforeUs,
    );
    if (!closed) return false;
    tx.emit(RoutingKeys.AgentSessionFailed, {
      sessionId: row.sessionId,
      sequence,
      alertId: row.alertId,
      alertType: alert?.alertType ?? 'unknown',
      agentType: row.agent ?? this.registry.defaultAgent.name,
      tokens: zeroTokens(),
      status: 'failed',
      error: reason,
      completedAt: isoMicros(nowUs),
      stepDescription: endingLine('failed', reason),
    });
    return true;
  }

  private async closeOrphan(job: Job, reason: string): Promise<void> {
    await this.transactions.inTenant(job.tenantId, async (tx) => {
      const row = await this.store.bySession(tx.sql, job.tenantId, job.sessionId!);
      if (row && (row.status === 'pending' || row.status === 'in_progress'))
        await this.closeCutOff(tx, row, null, reason);
    });
  }

  // ---- what an investigation uses ----------------------------------------------------------------

  private readonly sink: SessionEventSink = {
    write: (tenantId, sessionId, events: EventOf[], lastSequence) =>
      this.transactions.inTenant(tenantId, async (tx) => {
        for (const event of events) tx.emitEvent(event);
        await this.store.progress(tx.sql, tenantId, sessionId, lastSequence, nowMicros());
      }),
  };

  private async fetchAlert(tenantId: string, alertId: string): Promise<AlertView | null> {
    try {
      return await this.bus.request<AlertView>(RpcPatterns.AlertGet, { tenantId, payload: { id: alertId } });
    } catch (error) {
      if (error instanceof RpcRemoteError && error.status === 404) return null;
      throw error;
    }
  }

  private async runbook(alert: AlertView): Promise<RunbookResult | null> {
    if (!alert.runbook.trim()) return null;
    return fetchRunbook(alert.runbook, {
      timeoutMs: this.config.RUNBOOK_TIMEOUT_MS,
      maxBytes: this.config.RUNBOOK_MAX_BYTES,
      allowedCidrs: this.allowedCidrs,
      cache: this.runbooks,
    });
  }

  /**
   * The agent's servers (shared clients; the stdio ones get the investigation's similar-alerts token)
   * and the tenant's own (clients for this investigation only). A tenant server named like a
   * configured one is left out: the configured one keeps its name.
   */
  private async toolsFor(
    tenantId: string,
    agent: Agent,
    alert: AlertView,
  ): Promise<{ servers: string[]; host: ToolHost; close(): Promise<void> }> {
    const configured = new Set(agent.mcpServers.map((server) => server.name));
    const stdio = new Set(agent.mcpServers.filter((s) => s.transport === 'stdio').map((s) => s.name));
    const allConfigured = new Set(Object.keys(this.registry.config.mcpServers));
    const tenantSpecs = (await this.tenantServers.specsFor(tenantId)).filter((spec) => {
      if (!allConfigured.has(spec.name)) return true;
      this.logger.warn({ server: spec.name }, "a tenant's MCP server has a configured server's name: left out");
      return false;
    });
    const tenant = tenantSpecs.length
      ? new McpConnections(tenantSpecs, { defaultTimeoutMs: this.config.MCP_TIMEOUT_MS })
      : null;
    const token = this.lookup.grant({
      tenantId,
      alertId: alert.id,
      fingerprint: alert.fingerprint,
      alertType: alert.alertType,
    });
    const connectionsOf = (server: string) => (configured.has(server) ? this.connections : tenant!);
    return {
      servers: [...configured, ...tenantSpecs.map((spec) => spec.name)],
      host: {
        listTools: (server) => connectionsOf(server).listTools(server),
        callTool: (server, tool, args, options) =>
          connectionsOf(server).callTool(server, tool, args, {
            ...options,
            ...(stdio.has(server) && { meta: { [ALERTS_TOKEN_META]: token } }),
          }),
      },
      close: async () => {
        this.lookup.revoke(token);
        await tenant?.close();
      },
    };
  }

  // ---- upkeep ------------------------------------------------------------------------------------

  private async heartbeat(): Promise<void> {
    const byTenant = new Map<string, string[]>();
    for (const run of this.running.values()) {
      const { sessionId } = run;
      if (sessionId) byTenant.set(run.tenantId, [...(byTenant.get(run.tenantId) ?? []), sessionId]);
    }
    for (const [tenantId, sessionIds] of byTenant)
      await this.transactions
        .inTenant(tenantId, (tx) => this.store.heartbeat(tx.sql, tenantId, sessionIds, nowMicros()))
        .catch((err: unknown) => this.logger.warn({ err }, 'could not renew the running sessions; will try again'));
  }

  /**
   * With the embedded broker, every session still queued or running at start-up is from before it: a
   * running one is closed as failed and queued again as a new session; a queued one is queued again.
   */
  async requeueAfterRestart(): Promise<number> {
    try {
      const active = await this.transactions.asPlatform((tx) => this.store.active(tx.sql));
      let queued = 0;
      for (const row of active) {
        const done = await this.transactions.inTenant(row.tenantId, async (tx) => {
          let sessionId = row.sessionId;
          if (row.status === 'in_progress') {
            const reason = 'the agent runner stopped during the investigation; it was started again';
            if (!(await this.closeCutOff(tx, row, null, reason))) return false;
            sessionId = uuidv7();
            await this.store.insert(tx.sql, {
              sessionId,
              tenantId: row.tenantId,
              alertId: row.alertId,
              sourceId: null,
              trigger: row.trigger,
              status: 'pending',
              agent: null,
              requestedBy: row.requestedBy,
              nowUs: nowMicros(),
            });
          }
          tx.emit(RoutingKeys.AgentInvestigationRequested, {
            sessionId,
            alertId: row.alertId,
            trigger: row.trigger,
            ...(row.requestedBy && { requestedBy: row.requestedBy }),
          });
          return true;
        });
        if (done) queued++;
      }
      if (queued) this.logger.warn({ queued }, 'queued again the investigations a restart cut off');
      return queued;
    } catch (err) {
      this.logger.warn(
        { err },
        'could not queue again the investigations a restart cut off; the sweep will close them',
      );
      return 0;
    }
  }

  /** Closes sessions whose runner died (no heartbeat), whatever replica ran them. */
  async sweep(): Promise<number> {
    try {
      const now = nowMicros();
      const staleBefore = now - BigInt(STALE_AFTER_MS) * 1000n;
      const stale = await this.transactions.asPlatform((tx) =>
        this.store.stale(tx.sql, staleBefore, now - BigInt(PENDING_STALE_AFTER_MS) * 1000n),
      );
      let closed = 0;
      for (const row of stale) {
        const reason =
          row.status === 'pending'
            ? 'the investigation was requested but never started'
            : 'the agent runner running the investigation stopped answering';
        const done = await this.transactions.inTenant(row.tenantId, (tx) =>
          this.closeCutOff(tx, row, null, reason, row.status === 'pending' ? undefined : staleBefore),
        );
        if (done) closed++;
      }
      if (closed) this.logger.warn({ closed }, 'closed investigations whose runner stopped');
      return closed;
    } catch (err) {
      this.logger.warn({ err }, 'the sweep of cut-off investigations failed; will try again');
      return 0;
    }
  }
}

function zeroTokens(): TokenUsage {
  return { prompt: 0, completion: 0, total: 0 };
}

/** "Failed: <the reason's first line>" or "Skipped: …", within the step description's 500 characters. */
function endingLine(status: 'failed' | 'skipped', error: string): string {
  const line = `${status === 'failed' ? 'Failed' : 'Skipped'}: ${error.split('\n', 1)[0]}`;
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
