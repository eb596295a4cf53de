// The notification service under test: run with a ManualClock, a Slack stand-in, a real SMTP server,
// and the helpers the suites share (channels and routes through the service's RPCs, alert events as
// the alert service publishes them).
import { Module, type Type } from '@nestjs/common';
import {
  RpcPatterns,
  RoutingKeys,
  type AlertSnapshot,
  type ChannelView,
  type DeliveryPage,
  type DeliveryView,
  type Envelope,
  type EscalationPolicyView,
  type RouteView,
} from '@vigil/contracts';
import type { ServiceDefinition } from '@vigil/runtime';
import { manualClock, SlackStandin, SmtpStandin, TestHarness, type ManualClock } from '@vigil/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { DeliveryWorker } from '../src/deliveries/delivery.worker.js';
import { notificationApp } from '../src/notification.app.js';
import { NotificationModule } from '../src/notification.module.js';

export const ACTOR = { kind: 'user' as const, id: 'manager-1' };

export interface NotifyRig {
  harness: TestHarness;
  clock: ManualClock;
  slack: SlackStandin;
  smtp: SmtpStandin;
  tenantId: string;
  close(): Promise<void>;
}

/** The notification service alone, on a ManualClock, with Slack and SMTP stand-ins. */
export async function startRig(start = '2026-01-14T12:00:00.000Z'): Promise<NotifyRig> {
  const clock = manualClock(start);
  const slack = await SlackStandin.start({ now: clock });
  const smtp = await SmtpStandin.start();
  @Module({ imports: [NotificationModule.register({ clock })] })
  class ClockedNotificationModule {}
  const def: ServiceDefinition = { ...notificationApp, module: ClockedNotificationModule as Type };
  const harness = await TestHarness.service(def, {
    env: {
      SLACK_API_URL: slack.apiUrl,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Vigil <vigil@test>',
      PUBLIC_URL: 'https://vigil.test',
      // The Slack stand-in's incoming webhooks are on 127.0.0.1, which channels refuse unless allowed.
      NOTIFY_ALLOWED_CIDRS: '127.0.0.1/32',
    },
    watch: ['notification.*', 'alert.escalated'],
  });
  return {
    harness,
    clock,
    slack,
    smtp,
    tenantId: `t-${randomBytes(5).toString('hex')}`,
    close: async () => {
      await harness.close();
      await slack.close();
      await smtp.close();
    },
  };
}

/** Runs a pass of the worker now (the clock moved) and waits for it. */
export async function tick(rig: NotifyRig): Promise<void> {
  for (const service of rig.harness.services) {
    const worker = service.app.get(DeliveryWorker);
    await worker.idle();
    worker.wake();
    await worker.idle();
  }
}

export function slackChannel(
  rig: NotifyRig,
  channelId = `C${randomBytes(4).toString('hex').toUpperCase()}`,
  token?: string,
) {
  return rig.harness.request<ChannelView>(
    RpcPatterns.NotificationChannelsCreate,
    {
      name: `slack-${channelId}`,
      type: 'slack',
      config: { channelId },
      secrets: { botToken: token ?? rig.slack.token },
    },
    { tenantId: rig.tenantId, actor: ACTOR },
  );
}

export function emailChannel(rig: NotifyRig, to = 'oncall@example.test') {
  return rig.harness.request<ChannelView>(
    RpcPatterns.NotificationChannelsCreate,
    { name: `email-${randomBytes(3).toString('hex')}`, type: 'email', config: { to: [to] } },
    { tenantId: rig.tenantId, actor: ACTOR },
  );
}

export function route(rig: NotifyRig, fields: Record<string, unknown>) {
  return rig.harness.request<RouteView>(
    RpcPatterns.NotificationRoutesCreate,
    { name: `route-${randomBytes(3).toString('hex')}`, ...fields },
    { tenantId: rig.tenantId, actor: ACTOR },
  );
}

export function escalationPolicy(rig: NotifyRig, steps: { waitMinutes: number; channelIds: string[] }[], repeat = 0) {
  return rig.harness.request<EscalationPolicyView>(
    RpcPatterns.NotificationEscalationPoliciesCreate,
    { name: `policy-${randomBytes(3).toString('hex')}`, steps, repeat },
    { tenantId: rig.tenantId, actor: ACTOR },
  );
}

export async function deliveries(rig: NotifyRig, query: Record<string, unknown> = {}): Promise<DeliveryView[]> {
  const page = await rig.harness.request<DeliveryPage>(
    RpcPatterns.NotificationDeliveriesList,
    { limit: 200, ...query },
    { tenantId: rig.tenantId },
  );
  return page.items;
}

/** Every delivery of the tenant matching `query`, page after page. */
export async function allDeliveries(rig: NotifyRig, query: Record<string, unknown> = {}): Promise<DeliveryView[]> {
  const all: DeliveryView[] = [];
  let cursor: string | null = null;
  do {
    const page: DeliveryPage = await rig.harness.request<DeliveryPage>(
      RpcPatterns.NotificationDeliveriesList,
      { limit: 200, ...query, ...(cursor && { cursor }) },
      { tenantId: rig.tenantId },
    );
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const micros = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** An alert as the alert service's events carry it (an Alertmanager alert's labels by default). */
export function alertOf(rig: NotifyRig, overrides: Partial<AlertSnapshot> = {}): AlertSnapshot {
  const now = micros(rig.clock());
  return {
    alertId: randomUUID(),
    fingerprint: randomBytes(8).toString('hex'),
    alertType: 'KubePodCrashLooping',
    severity: 'critical',
    status: 'triggered',
    summary: 'Pod payments-7d9 is crash looping',
    labels: { alertname: 'KubePodCrashLooping', service: 'payments', namespace: 'prod' },
    occurrences: 1,
    silenced: false,
    startedAt: now,
    lastSeenAt: now,
    ...overrides,
  };
}

export function publish(rig: NotifyRig, type: string, payload: object): Promise<Envelope<object>> {
  return rig.harness.publish(type, { tenantId: rig.tenantId, payload });
}

export const created = (rig: NotifyRig, alert: AlertSnapshot) => publish(rig, RoutingKeys.AlertCreated, { alert });
export const acknowledged = (rig: NotifyRig, alert: AlertSnapshot) =>
  publish(rig, RoutingKeys.AlertAcknowledged, {
    alert: { ...alert, status: 'acknowledged' },
    by: 'user-7',
    note: 'on it',
  });
