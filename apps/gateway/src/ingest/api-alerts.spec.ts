import { alertIdOf, AlertsReceived, fingerprintOf, validateAs, type ReceivedAlert } from '@vigil/contracts';
import { mapApiAlerts } from './api-alerts.js';
import type { MappingResult } from './mapping-result.js';

const TENANT = 'tenant-1';
const NOW = 1_795_000_000_000_000n;
const options = { tenantId: TENANT, now: NOW, mode: 'strict' as const, maxBatch: 5 };

function accepted(result: MappingResult): ReceivedAlert[] {
  if (!result.ok) throw new Error(`refused: ${result.problems.join('; ')}`);
  // Whatever the gateway accepts must pass the alert service's contract, or it would be dead-lettered after a 202.
  const contract = validateAs(AlertsReceived, { source: 'api', alerts: result.alerts });
  if (!contract.ok) throw new Error(`breaks the contract: ${contract.problems.join('; ')}`);
  return result.alerts;
}

function problems(result: MappingResult): string[] {
  if (result.ok) throw new Error('accepted');
  return result.problems;
}

describe('POST /api/v1/alerts mapping (the flexible alert model)', () => {
  it('needs only alert_type and runbook, and applies the defaults', () => {
    const [alert] = accepted(
      mapApiAlerts({ alert_type: 'kubernetes', runbook: 'https://runbooks.example.com/k8s' }, options),
    );
    const fingerprint = fingerprintOf({ alertType: 'kubernetes', labels: {}, data: {} });
    expect(alert).toEqual({
      alertId: alertIdOf(TENANT, fingerprint),
      alertType: 'kubernetes',
      runbook: 'https://runbooks.example.com/k8s',
      severity: 'warning',
      timestamp: String(NOW),
      environment: 'production',
      fingerprint,
      status: 'firing',
      labels: {},
      data: {},
    });
  });

  it('keeps data whole: nested objects, arrays, YAML strings, odd characters', () => {
    const data = {
      cluster: 'prod-us-west-2',
      metadata: {
        tags: ['payment', 'critical-service'],
        thresholds: { cpu: 80, memory: 85 },
        deep: { a: { b: { c: [1, [2, [3, null]]] } } },
      },
      kubernetes_config: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: payment-config',
      weird: "'; DROP TABLE alerts; -- <script>alert(1)</script> \u0001\u0000 😀 \ud800",
      __proto__: { polluted: true },
    };
    const body = JSON.parse(JSON.stringify({ alert_type: 'k8s', runbook: 'rb', data })) as unknown;
    const [alert] = accepted(mapApiAlerts(body, options));
    expect(alert!.data).toEqual((body as { data: unknown }).data);
    expect(JSON.stringify(alert!.data)).toBe(JSON.stringify((body as { data: unknown }).data));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('takes every optional field', () => {
    const [alert] = accepted(
      mapApiAlerts(
        {
          alert_type: 'db',
          runbook: 'rb',
          severity: 'Medium',
          timestamp: '2026-11-22T08:35:53.208031Z',
          fingerprint: 'fp-1',
          labels: { team: 'data' },
          summary: 's',
          description: 'd',
          environment: 'staging',
          status: 'RESOLVED',
        },
        options,
      ),
    );
    expect(alert).toMatchObject({
      severity: 'warning',
      timestamp: '1795336553208031',
      fingerprint: 'fp-1',
      alertId: alertIdOf(TENANT, 'fp-1'),
      labels: { team: 'data' },
      summary: 's',
      description: 'd',
      environment: 'staging',
      status: 'resolved',
    });
  });

  it('normalises severity, keeping an unrecognised one in data', () => {
    const [known, unknown] = accepted(
      mapApiAlerts(
        [
          { alert_type: 'a', runbook: 'r', severity: 'ERROR' },
          { alert_type: 'a', runbook: 'r', severity: 'sev-1', data: { x: 1 } },
        ],
        options,
      ),
    );
    expect(known).toMatchObject({ severity: 'high', data: {} });
    expect(unknown).toMatchObject({ severity: 'warning', data: { x: 1, severity_original: 'sev-1' } });
  });

  it('names each missing or mistyped field, with its index in an array', () => {
    expect(problems(mapApiAlerts({ runbook: 'r' }, options))).toEqual(['alert_type: is required']);
    expect(problems(mapApiAlerts({ alert_type: 'a' }, options))).toEqual(['runbook: is required']);
    expect(
      problems(
        mapApiAlerts(
          [
            { alert_type: 'a', runbook: 'r' },
            { alert_type: 'a', runbook: 'r' },
            { alert_type: 'a', runbook: 'r' },
            { alert_type: 'a' },
          ],
          options,
        ),
      ),
    ).toEqual(['[3].runbook: is required']);
    expect(
      problems(
        mapApiAlerts(
          {
            alert_type: 7,
            runbook: 'r',
            severity: 3,
            timestamp: 'soon',
            labels: { a: 1 },
            data: [1],
            status: 'open',
            environment: '',
            cluster: 'x',
          },
          options,
        ),
      ),
    ).toEqual([
      'cluster: unknown field (put source-specific fields in data)',
      'alert_type: must be a string, not a number',
      'data: must be a JSON object, not an array',
      'severity: must be a string, not a number',
      expect.stringMatching(/^timestamp: must be unix microseconds or ISO-8601/),
      'labels.a: must be a string, not a number',
      'environment: must not be empty',
      'status: must be one of firing, resolved',
    ]);
    expect(problems(mapApiAlerts({ alert_type: '   ', runbook: 'r' }, options))).toEqual([
      'alert_type: must not be empty',
    ]);
    expect(problems(mapApiAlerts({ alert_type: 'x'.repeat(257), runbook: 'r' }, options))).toEqual([
      'alert_type: must be at most 256 characters',
    ]);
    expect(problems(mapApiAlerts({ alert_type: 'a\u0000b', runbook: 'r' }, options))).toEqual([
      'alert_type: must not contain the NUL character (U+0000)',
    ]);
    expect(problems(mapApiAlerts({ alert_type: 'a', runbook: 'r', fingerprint: 'x\ud800' }, options))).toEqual([
      'fingerprint: must be well-formed Unicode (it holds a lone surrogate)',
    ]);
  });

  it('refuses bodies that are neither an alert nor an array of them, and batches over the limit', () => {
    expect(problems(mapApiAlerts('hello', options))).toEqual([
      'body: must be a JSON object (one alert) or an array of alerts, not a string',
    ]);
    expect(problems(mapApiAlerts(null, options))).toEqual([expect.stringContaining('not null')]);
    expect(problems(mapApiAlerts([], options))).toEqual(['body: the array holds no alert']);
    expect(problems(mapApiAlerts([1, { alert_type: 'a', runbook: 'r' }], options))).toEqual([
      '[0]: must be a JSON object, not a number',
    ]);
    const over = mapApiAlerts(
      Array.from({ length: 6 }, () => ({ alert_type: 'a', runbook: 'r' })),
      options,
    );
    expect(over).toEqual({
      ok: false,
      tooMany: true,
      problems: ['body: 6 alerts in one request; at most 5 (ALERTS_MAX_BATCH)'],
    });
  });

  it('gives the same fingerprint and id to the same alert, and keeps request order', () => {
    const alerts = accepted(
      mapApiAlerts(
        [
          { alert_type: 'a', runbook: 'r', labels: { x: '1' } },
          { alert_type: 'b', runbook: 'r' },
          { alert_type: 'a', runbook: 'r2', labels: { x: '1' } },
        ],
        options,
      ),
    );
    expect(alerts.map((a) => a.alertType)).toEqual(['a', 'b', 'a']);
    expect(alerts[0]!.alertId).toBe(alerts[2]!.alertId);
    expect(alerts[0]!.alertId).not.toBe(alerts[1]!.alertId);
  });
});
