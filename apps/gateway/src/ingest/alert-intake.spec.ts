import { HttpException } from '@nestjs/common';
import { RoutingKeys } from '@vigil/contracts';
import { BrokerUnavailableError, PublishWithdrawnError, type VigilBusClient } from '@vigil/messaging';
import type { Logger } from '@vigil/observability';
import type { Principal } from '../access/principal.js';
import { RetryableHttpException } from '../bus/upstream-errors.js';
import type { GatewayConfig } from '../gateway.config.js';
import { AlertIntake } from './alert-intake.js';
import { mapApiAlerts } from './api-alerts.js';
import { decodeJsonBody } from './raw-body.js';

const principal: Principal = {
  kind: 'api-key',
  id: 'key-1',
  tenantId: 'tenant-1',
  name: 'am',
  scopes: ['alerts:write'],
  ip: '127.0.0.1',
};
const config = {
  ALERTS_MAX_BATCH: 10,
  INGEST_PUBLISH_TIMEOUT_MS: 100,
  WEBHOOK_TYPE_LABEL: 'alertname',
} as GatewayConfig;
const logger = { warn: () => undefined } as unknown as Logger;

type Published = { routingKey: string; init: { tenantId: string; actor?: unknown; payload: Record<string, unknown> } };

function intakeWith(publish: (routingKey: string) => Promise<unknown>): {
  intake: AlertIntake;
  published: Published[];
  options: unknown[];
} {
  const published: Published[] = [];
  const options: unknown[] = [];
  const bus = {
    publish: (routingKey: string, init: Published['init'], publishOptions?: unknown) => {
      published.push({ routingKey, init });
      options.push(publishOptions);
      return publish(routingKey);
    },
  } as unknown as VigilBusClient;
  return { intake: new AlertIntake(bus, config, logger), published, options };
}

const body = (value: unknown) => ({
  bytes: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  contentType: 'application/json',
});
const ENVELOPE_ID = '0190b6a0-0000-7000-8000-000000000001';

async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter?: number }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return {
      status: error.getStatus(),
      body: error.getResponse() as Record<string, unknown>,
      ...(error instanceof RetryableHttpException ? { retryAfter: error.retryAfterSeconds } : {}),
    };
  }
  throw new Error('did not fail');
}

describe('AlertIntake', () => {
  it('publishes one ingest.alerts.received per request and answers the ids in order', async () => {
    const { intake, published } = intakeWith(async () => ({ id: ENVELOPE_ID }));
    const answer = await intake.receive(
      'api',
      principal,
      body([
        { alert_type: 'a', runbook: 'r', fingerprint: 'x' },
        { alert_type: 'b', runbook: 'r', fingerprint: 'y' },
      ]),
      mapApiAlerts,
    );
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      routingKey: RoutingKeys.IngestAlertsReceived,
      init: {
        tenantId: 'tenant-1',
        actor: { kind: 'api-key', id: 'key-1', ip: '127.0.0.1' },
        payload: { source: 'api' },
      },
    });
    const alerts = published[0]!.init.payload.alerts as { alertId: string }[];
    expect(answer.ids).toEqual(alerts.map((a) => a.alertId));
  });

  it('keeps what it cannot map, then answers 422 naming the problem and the kept payload', async () => {
    const { intake, published } = intakeWith(async () => ({ id: ENVELOPE_ID }));
    const refused = await failure(intake.receive('api', principal, body({ alert_type: 'a' }), mapApiAlerts));
    expect(refused).toEqual({
      status: 422,
      body: {
        message: `invalid alerts: runbook: is required; the request was kept for inspection as rejected payload ${ENVELOPE_ID}`,
        errors: ['runbook: is required'],
        rejectedId: ENVELOPE_ID,
      },
    });
    expect(published).toEqual([
      {
        routingKey: RoutingKeys.IngestPayloadRejected,
        init: expect.objectContaining({
          payload: {
            source: 'api',
            reason: 'runbook: is required',
            body: '{"alert_type":"a"}',
            contentType: 'application/json',
          },
        }),
      },
    ]);
  });

  it('keeps a body that is not JSON (400), or not UTF-8 (400, lossy copy), or too deep (422)', async () => {
    const { intake, published } = intakeWith(async () => ({ id: ENVELOPE_ID }));
    expect(await failure(intake.receive('alertmanager', principal, body('{"alerts": ['), mapApiAlerts))).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^request body is not valid JSON/) },
    });
    expect(
      await failure(
        intake.receive(
          'alertmanager',
          principal,
          { bytes: Buffer.from([0x7b, 0xff, 0x7d]), contentType: undefined },
          mapApiAlerts,
        ),
      ),
    ).toMatchObject({ status: 400, body: { message: expect.stringMatching(/not valid UTF-8/) } });
    expect(
      await failure(intake.receive('api', principal, body(`${'['.repeat(300)}${']'.repeat(300)}`), mapApiAlerts)),
    ).toMatchObject({ status: 422, body: { message: expect.stringMatching(/more than 256 levels deep/) } });
    expect(published.map((p) => p.routingKey)).toEqual([
      RoutingKeys.IngestPayloadRejected,
      RoutingKeys.IngestPayloadRejected,
      RoutingKeys.IngestPayloadRejected,
    ]);
    expect(published[1]!.init.payload).toMatchObject({
      body: '{\ufffd}',
      reason: expect.stringMatching(/invalid UTF-8 bytes replaced/),
    });
  });

  it('accepts data with keys named like prototype members (constructor, __proto__, toString)', async () => {
    const { intake, published } = intakeWith(async () => ({ id: ENVELOPE_ID }));
    const data = JSON.parse('{"err":[{"constructor":"X"}],"constructor":null,"__proto__":1,"toString":{}}') as Record<
      string,
      unknown
    >;
    expect(
      (await intake.receive('api', principal, body({ alert_type: 'a', runbook: 'r', data }), mapApiAlerts)).ids,
    ).toHaveLength(1);
    expect(published.map((p) => p.routingKey)).toEqual([RoutingKeys.IngestAlertsReceived]);
  });

  it('answers 413 for too many alerts', async () => {
    const { intake } = intakeWith(async () => ({ id: ENVELOPE_ID }));
    const many = Array.from({ length: 11 }, () => ({ alert_type: 'a', runbook: 'r' }));
    expect(await failure(intake.receive('api', principal, body(many), mapApiAlerts))).toMatchObject({
      status: 413,
      body: { message: expect.stringContaining('at most 10 (ALERTS_MAX_BATCH)') },
    });
  });

  it('answers 503 with Retry-After when the broker is down or the message was withdrawn unsent', async () => {
    const down = intakeWith(async () => {
      throw new BrokerUnavailableError('RabbitMQ broker is not connected');
    });
    expect(
      await failure(down.intake.receive('api', principal, body({ alert_type: 'a', runbook: 'r' }), mapApiAlerts)),
    ).toMatchObject({
      status: 503,
      retryAfter: 5,
      body: { message: expect.stringMatching(/did not take the alerts/) },
    });
    const withdrawn = intakeWith(async (routingKey) => {
      throw new PublishWithdrawnError(routingKey, 100);
    });
    expect(
      await failure(withdrawn.intake.receive('api', principal, body({ alert_type: 'a', runbook: 'r' }), mapApiAlerts)),
    ).toMatchObject({
      status: 503,
      retryAfter: 5,
      body: { message: expect.stringMatching(/could not take them within 100 ms\); nothing was stored/) },
    });
  });

  it('asks the bus to withdraw a message it cannot send within INGEST_PUBLISH_TIMEOUT_MS, not to drop one it sent', async () => {
    const { intake, options } = intakeWith(async () => ({ id: ENVELOPE_ID }));
    await intake.receive('api', principal, body({ alert_type: 'a', runbook: 'r' }), mapApiAlerts);
    await failure(intake.receive('api', principal, body({ alert_type: 'a' }), mapApiAlerts));
    expect(options).toEqual([{ withdrawAfterMs: 100 }, { withdrawAfterMs: 100 }]);
  });
});

describe('decodeJsonBody', () => {
  it('reads UTF-8 JSON, a BOM tolerated', () => {
    expect(decodeJsonBody({ bytes: Buffer.from('\ufeff{"a":1}'), contentType: undefined })).toEqual({
      ok: true,
      value: { a: 1 },
    });
    expect(decodeJsonBody({ bytes: Buffer.alloc(0), contentType: undefined })).toEqual({
      ok: false,
      problem: 'request body is empty: send JSON',
    });
    expect(decodeJsonBody({ bytes: Buffer.from('a=1'), contentType: 'application/json' })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^request body is not valid JSON: /),
    });
  });
});
