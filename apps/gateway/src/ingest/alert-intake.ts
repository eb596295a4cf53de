import {
  BadRequestException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  PayloadTooLargeException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { nowMicros, RoutingKeys, type AlertSource, type AlertsReceived, type PayloadRejected } from '@vigil/contracts';
import { InvalidMessageError, PublishWithdrawnError, VigilBusClient, type MessageInit } from '@vigil/messaging';
import type { Logger } from '@vigil/observability';
import { LOGGER } from '@vigil/runtime';
import { actorOf, type Principal } from '../access/principal.js';
import { BROKER_RETRY_AFTER_SECONDS, RetryableHttpException } from '../bus/upstream-errors.js';
import type { GatewayConfig } from '../gateway.config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import { nestingDepth } from './json-values.js';
import { summariseProblems, type MappingResult } from './mapping-result.js';
import { decodeJsonBody, type RawIngestBody } from './raw-body.js';
import type { BuildOptions } from './received-alert.js';

/** Deeper JSON is refused (422, kept raw): every consumer down the line can walk this much. */
export const MAX_NESTING_DEPTH = 256;
/** PayloadRejected.body and .reason limits. */
const MAX_KEPT_BODY_CHARS = 2_000_000;
const MAX_REASON_CHARS = 4000;

/** What a receiver needs to map a parsed body. */
export interface MapContext extends BuildOptions {
  maxBatch: number;
}

export type Mapper = (body: unknown, context: MapContext) => MappingResult | Promise<MappingResult>;

export interface Accepted {
  /** Alert ids, in the order of the alerts in the request. */
  ids: string[];
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function keptText(bytes: Buffer): { body: string; lossy: boolean } {
  let body: string;
  let lossy = false;
  try {
    body = UTF8.decode(bytes);
  } catch {
    body = bytes.toString('utf8');
    lossy = true;
  }
  if (body.length > MAX_KEPT_BODY_CHARS) return { body: body.slice(0, MAX_KEPT_BODY_CHARS), lossy: true };
  return { body, lossy };
}

/**
 * The ingest path of every receiver: parse the body, map it (the receiver's part), publish ONE
 * `ingest.alerts.received` per request and answer only once the broker confirmed it. No database
 * work here: the alert ids are derived from the fingerprints. What passed authentication but cannot
 * be mapped is published raw as `ingest.payload.rejected` (then 400/413/422 saying so). A message the
 * broker client could not even send within INGEST_PUBLISH_TIMEOUT_MS is withdrawn, never to be sent,
 * and the request answered 503 with Retry-After, which Alertmanager retries (it drops what gets a
 * 4xx). One sent but not confirmed by then may already be stored: it is answered as taken, and the
 * client publishes it again under the same envelope id until confirmed (decision D20).
 */
@Injectable()
export class AlertIntake {
  constructor(
    private readonly bus: VigilBusClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The label giving the alert type of Alertmanager/Grafana alerts when the request names none. */
  get defaultTypeLabel(): string {
    return this.config.WEBHOOK_TYPE_LABEL;
  }

  async receive(source: AlertSource, principal: Principal, raw: RawIngestBody, map: Mapper): Promise<Accepted> {
    const decoded = decodeJsonBody(raw);
    if (!decoded.ok) {
      const id = await this.keep(source, principal, raw, decoded.problem);
      throw new BadRequestException({
        message: `${decoded.problem}; the request was kept for inspection as rejected payload ${id}`,
        rejectedId: id,
      });
    }
    if (nestingDepth(decoded.value, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) {
      const problem = `body: nests arrays and objects more than ${MAX_NESTING_DEPTH} levels deep`;
      const id = await this.keep(source, principal, raw, problem);
      throw new UnprocessableEntityException({
        message: `${problem}; the request was kept for inspection as rejected payload ${id}`,
        errors: [problem],
        rejectedId: id,
      });
    }
    const result = await map(decoded.value, {
      tenantId: principal.tenantId,
      now: nowMicros(),
      mode: source === 'api' ? 'strict' : 'lenient',
      maxBatch: this.config.ALERTS_MAX_BATCH,
    });
    if (!result.ok) {
      const summary = summariseProblems(result.problems);
      const id = await this.keep(source, principal, raw, summary);
      const body = {
        message: `${result.tooMany ? 'too many alerts' : 'invalid alerts'}: ${summary}; the request was kept for inspection as rejected payload ${id}`,
        errors: result.problems.slice(0, 200),
        rejectedId: id,
      };
      throw result.tooMany ? new PayloadTooLargeException(body) : new UnprocessableEntityException(body);
    }
    const payload: AlertsReceived = { source, alerts: result.alerts };
    await this.confirmed(RoutingKeys.IngestAlertsReceived, {
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      payload,
    });
    return { ids: result.alerts.map((alert) => alert.alertId) };
  }

  /** Publishes the body as received, with the reason; resolves with its id once the broker has it. */
  private async keep(source: AlertSource, principal: Principal, raw: RawIngestBody, reason: string): Promise<string> {
    const kept = keptText(raw.bytes);
    const why = kept.lossy
      ? `${reason} (kept body: invalid UTF-8 bytes replaced by U+FFFD, or cut at ${MAX_KEPT_BODY_CHARS} characters)`
      : reason;
    const payload: PayloadRejected = {
      source,
      reason: why.slice(0, MAX_REASON_CHARS),
      body: kept.body,
      ...(raw.contentType ? { contentType: raw.contentType } : {}),
    };
    const envelope = await this.confirmed(RoutingKeys.IngestPayloadRejected, {
      tenantId: principal.tenantId,
      actor: actorOf(principal),
      payload,
    });
    return envelope.id;
  }

  /**
   * bus.publish, answered within INGEST_PUBLISH_TIMEOUT_MS: confirmed, or sent and seen through by the
   * client (resolves); or withdrawn unsent, or refused by a broker that is down (503 + Retry-After).
   * Never a 503 for a message that may still be stored: its sender's retry would be stored as well.
   */
  private async confirmed<P extends object>(routingKey: string, init: MessageInit<P>): Promise<{ id: string }> {
    const timeoutMs = this.config.INGEST_PUBLISH_TIMEOUT_MS;
    try {
      return await this.bus.publish(routingKey, init, { withdrawAfterMs: timeoutMs });
    } catch (error) {
      if (error instanceof InvalidMessageError || error instanceof HttpException) throw error;
      this.logger.warn({ err: error, routingKey, timeoutMs }, 'ingest publish not taken by the broker: answering 503');
      const why =
        error instanceof PublishWithdrawnError
          ? `the broker could not take them within ${timeoutMs} ms`
          : (error as Error).message;
      throw new RetryableHttpException(
        HttpStatus.SERVICE_UNAVAILABLE,
        `the message broker did not take the alerts (${why}); nothing was stored: retry shortly`,
        BROKER_RETRY_AFTER_SECONDS,
      );
    }
  }
}
