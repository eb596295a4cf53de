import { readFileSync } from 'node:fs';
import { alertIdOf, AlertsReceived, validateAs, type ReceivedAlert } from '@vigil/contracts';
import { mapAlertmanagerLike } from './alertmanager.js';
import { compileMapping, mapGeneric, mappingFromQuery, type GenericMapping } from './generic.js';
import type { MappingResult } from './mapping-result.js';

const TENANT = 'tenant-1';
const NOW = 1_795_000_000_000_000n;
const context = { tenantId: TENANT, now: NOW, mode: 'lenient' as const, maxBatch: 100 };

function fixture(name: string): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(new URL(`../../../../test/fixtures/${name}`, import.meta.url), 'utf8')) as {
      body: Record<string, unknown>;
    }
  ).body;
}

function accepted(result: MappingResult, source: string): ReceivedAlert[] {
  if (!result.ok) throw new Error(`refused: ${result.problems.join('; ')}`);
  const contract = validateAs(AlertsReceived, { source, alerts: result.alerts });
  if (!contract.ok) throw new Error(`breaks the contract: ${contract.problems.join('; ')}`);
  return result.alerts;
}

describe('Alertmanager webhook mapping', () => {
  it('maps each entry of a real notification', () => {
    const body = fixture('alertmanager/firing-two-pods.json');
    const [api, worker] = accepted(
      mapAlertmanagerLike(body, 'alertmanager', { ...context, typeLabel: 'alertname' }),
      'alertmanager',
    );
    expect(api).toMatchObject({
      alertId: alertIdOf(TENANT, '982324d902b6151c'),
      fingerprint: '982324d902b6151c',
      alertType: 'KubePodCrashLooping',
      severity: 'critical',
      status: 'firing',
      runbook: 'https://runbooks.example.com/KubePodCrashLooping',
      summary: 'Pod payments/api-7d9f8-x2k1 is crash looping',
      description: 'Pod has restarted 7 times in 10 minutes',
      labels: {
        alertname: 'KubePodCrashLooping',
        pod: 'api-7d9f8-x2k1',
        namespace: 'payments',
        cluster: 'prod-eu-1',
        severity: 'critical',
      },
      startsAt: '1795336553208031',
      timestamp: '1795336553208031',
      generatorUrl: 'http://prometheus:9090/graph?g0.expr=x',
      environment: 'production',
    });
    expect(api!.endsAt).toBeUndefined();
    const entries = body.alerts as Record<string, unknown>[];
    expect(api!.data).toEqual({
      ...entries[0],
      group: {
        receiver: 'vigil',
        status: 'firing',
        groupKey: body.groupKey,
        groupLabels: body.groupLabels,
        commonLabels: body.commonLabels,
        commonAnnotations: {},
        externalURL: 'http://vm:19093',
        version: '4',
        truncatedAlerts: 0,
      },
    });
    // No runbook annotation: "" (none), never a refusal. Empty generatorURL: unset.
    expect(worker).toMatchObject({
      fingerprint: '549cb7cd52441f07',
      runbook: '',
      summary: 'Pod payments/worker-55c-9zq is crash looping',
    });
    expect(worker!.generatorUrl).toBeUndefined();
  });

  it("takes each alert's own status, not the group's", () => {
    const body = fixture('alertmanager/resolved-one-pod.json');
    expect(body.status).toBe('firing');
    const [api, worker] = accepted(
      mapAlertmanagerLike(body, 'alertmanager', { ...context, typeLabel: 'alertname' }),
      'alertmanager',
    );
    expect(api).toMatchObject({
      status: 'resolved',
      endsAt: '1795336557000000',
      alertId: alertIdOf(TENANT, '982324d902b6151c'),
    });
    expect(worker).toMatchObject({ status: 'firing' });
  });

  it('takes the type from another label when asked, falling back to alertname', () => {
    const body = fixture('alertmanager/firing-two-pods.json');
    const alerts = accepted(
      mapAlertmanagerLike(body, 'alertmanager', { ...context, typeLabel: 'namespace' }),
      'alertmanager',
    );
    expect(alerts.map((a) => a.alertType)).toEqual(['payments', 'payments']);
    expect(
      accepted(mapAlertmanagerLike(body, 'alertmanager', { ...context, typeLabel: 'nope' }), 'alertmanager')[0]!
        .alertType,
    ).toBe('KubePodCrashLooping');
    // Own labels only: "constructor" is not Object's.
    expect(
      accepted(mapAlertmanagerLike(body, 'alertmanager', { ...context, typeLabel: 'constructor' }), 'alertmanager')[0]!
        .alertType,
    ).toBe('KubePodCrashLooping');
  });

  it('explains what it cannot map', () => {
    const am = (body: unknown) => mapAlertmanagerLike(body, 'alertmanager', { ...context, typeLabel: 'alertname' });
    expect(am({ receiver: 'x' })).toEqual({
      ok: false,
      problems: ['alerts: is missing: not an Alertmanager v4 webhook payload'],
    });
    expect(am([1])).toMatchObject({ ok: false, problems: [expect.stringMatching(/^body: must be a JSON object/)] });
    expect(am({ alerts: {} })).toEqual({ ok: false, problems: ['alerts: must be an array, not an object'] });
    expect(am({ alerts: [] })).toEqual({ ok: false, problems: ['alerts: holds no alert'] });
    expect(am({ alerts: [{ labels: { severity: 'critical' } }] })).toEqual({
      ok: false,
      problems: ['alerts[0].labels.alertname: is missing or empty: it gives the alert type'],
    });
    expect(am({ alerts: [{ labels: { alertname: 'A', x: { y: 1 } } }] })).toEqual({
      ok: false,
      problems: ['alerts[0].labels.x: must be a string, not an object'],
    });
    expect(am({ alerts: Array.from({ length: 101 }, () => ({ labels: { alertname: 'A' } })) })).toMatchObject({
      ok: false,
      tooMany: true,
    });
  });

  it('cuts an over-long summary in its field and keeps it whole in data', () => {
    const long = 'x'.repeat(5000);
    const [alert] = accepted(
      mapAlertmanagerLike(
        { alerts: [{ labels: { alertname: 'A', severity: 'bogus' }, annotations: { summary: long } }] },
        'alertmanager',
        { ...context, typeLabel: 'alertname' },
      ),
      'alertmanager',
    );
    expect(alert!.summary).toHaveLength(2000);
    expect((alert!.data.annotations as Record<string, string>).summary).toBe(long);
    expect(alert!.severity).toBe('warning');
  });
});

describe('Grafana webhook mapping', () => {
  it('maps a unified alerting notification, keeping its extra fields', () => {
    const body = fixture('grafana/firing-and-resolved.json');
    const [firing, resolved] = accepted(
      mapAlertmanagerLike(body, 'grafana', { ...context, typeLabel: 'alertname' }),
      'grafana',
    );
    expect(firing).toMatchObject({
      alertType: 'HighMemoryUsage',
      severity: 'high',
      status: 'firing',
      fingerprint: 'c6eadffa33fcdf37',
      runbook: 'https://runbooks.example.com/HighMemoryUsage',
      startsAt: '1795333863157076',
      summary: 'High memory usage on api-1',
    });
    expect(firing!.data).toMatchObject({
      values: { A: 93.41, B: 93.41, C: 1 },
      valueString: expect.stringContaining("var='A'"),
      dashboardURL: expect.any(String),
      panelURL: expect.any(String),
      silenceURL: expect.any(String),
    });
    expect(firing!.data.group).toMatchObject({ title: body.title, state: 'alerting', message: body.message, orgId: 1 });
    expect(resolved).toMatchObject({
      status: 'resolved',
      severity: 'warning',
      runbook: '',
      endsAt: '1795334163000000',
    });
  });
});

describe('generic webhook mapping', () => {
  const mapped = (body: unknown, ...layers: GenericMapping[]) => {
    const compiled = compileMapping(layers);
    if (!compiled.ok) throw new Error(compiled.problems.join('; '));
    return mapGeneric(body, compiled.mapping, context);
  };

  it("reads the alert model's own field names when nothing is mapped", () => {
    const [alert] = accepted(
      mapped({ alert_type: 'disk', runbook: 'rb', severity: 'critical', labels: { host: 'a' } }),
      'generic',
    );
    expect(alert).toMatchObject({
      alertType: 'disk',
      runbook: 'rb',
      severity: 'critical',
      labels: { host: 'a' },
      status: 'firing',
    });
  });

  it('follows the mapped paths, per alert of an array or of an items path', () => {
    const body = {
      source: 'zabbix',
      events: [
        {
          alert: { name: 'CPU', level: 'ERROR', id: 42, state: 'OK' },
          tags: { host: 'db-1', n: 3 },
          doc: 'https://wiki/cpu',
          title: 'CPU hot',
        },
      ],
    };
    const mapping = {
      items: 'events',
      type: '$.alert.name',
      severity: 'alert.level',
      fingerprint: 'alert.id',
      status: 'alert.state',
      labels: 'tags',
      runbook: 'doc',
      summary: 'title',
    };
    const [alert] = accepted(mapped(body, mapping), 'generic');
    expect(alert).toMatchObject({
      alertType: 'CPU',
      severity: 'high',
      fingerprint: '42',
      status: 'resolved',
      labels: { host: 'db-1', n: '3' },
      runbook: 'https://wiki/cpu',
      summary: 'CPU hot',
      data: body.events[0],
    });
  });

  it('later layers win: the query over the stored mapping', () => {
    const [alert] = accepted(mapped({ kind: 'a', name: 'b' }, { type: 'kind' }, { type: 'name' }), 'generic');
    expect(alert!.alertType).toBe('b');
  });

  it('refuses an alert whose type path resolves to nothing, naming the path', () => {
    expect(mapped({ labels: {} }, { type: 'labels.alertname' })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^type: the path "labels.alertname" resolves to nothing/)],
    });
    expect(mapped([{ t: 'x' }, { t: { o: 1 } }], { type: 't' })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^\[1\]: type: the path "t" resolves to an object/)],
    });
    expect(mapped({ a: 1 }, { items: 'nope', type: 'a' })).toEqual({
      ok: false,
      problems: ['items: the path "nope" resolves to nothing'],
    });
    expect(mapped([1, 2], { type: 'a' })).toMatchObject({
      ok: false,
      problems: ['[0]: must be a JSON object, not a number', '[1]: must be a JSON object, not a number'],
    });
  });

  it('reads a mapping from query parameters, refusing unknown ones and bad paths', () => {
    expect(mappingFromQuery({ type: 'a.b', severity: '$.c' })).toEqual({
      ok: true,
      mapping: { type: 'a.b', severity: '$.c' },
    });
    expect(mappingFromQuery({ typ: 'a' })).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^typ: unknown query parameter/)],
    });
    expect(mappingFromQuery({ type: ['a', 'b'] })).toEqual({ ok: false, problems: ['type: give one path'] });
    expect(compileMapping([{ type: 'a..b' }])).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^mapping type: the path "a..b" has an empty field name/)],
    });
  });
});
