import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { blockProblems } from '@vigil/testing';
import type { MessageAlert, NotificationContent } from '../providers/provider.js';
import { renderEmail } from './email-message.js';
import { renderSlack, SLACK_LIMITS, type SlackBlock } from './slack-message.js';
import { TemplateStore } from './templates.js';

const TENANT = '0190a1b2-0000-7000-8000-00000000000a';

function alert(overrides: Partial<MessageAlert> = {}): MessageAlert {
  return {
    alertId: '0190a1b2-0000-7000-8000-000000000001',
    alertType: 'KubePodCrashLooping',
    severity: 'critical',
    status: 'triggered',
    summary: 'Pod payments-api-7d9 keeps restarting',
    labels: { pod: 'payments-api-7d9', service: 'payments', namespace: 'prod', zone: 'eu-1a' },
    occurrences: 3,
    startedAt: '2026-12-02T12:00:00.000000Z',
    lastSeenAt: '2026-12-02T12:05:00.000000Z',
    runbookUrl: 'https://runbooks.example/crash?a=1&b=2',
    sourceUrl: 'https://prometheus.example/graph?g0.expr=up',
    alertUrl: 'https://vigil.example/alerts/0190a1b2-0000-7000-8000-000000000001',
    ...overrides,
  };
}

function content(kind: NotificationContent['kind'], alerts: MessageAlert[], extra: Partial<NotificationContent> = {}) {
  return { tenantId: TENANT, kind, alerts, ...extra };
}

const ofType = (blocks: SlackBlock[], type: string) => blocks.filter((b) => b.type === type);
const texts = (blocks: SlackBlock[]) => JSON.stringify(blocks);

describe('Slack messages', () => {
  const templates = new TemplateStore();

  it('shows severity, title, type, key labels, status, occurrences, links and the three buttons', () => {
    const { text, blocks } = renderSlack(content('created', [alert()]), templates);
    expect(text).toBe(':red_circle: [CRITICAL] Pod payments-api-7d9 keeps restarting');
    expect(blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':red_circle: [CRITICAL] Pod payments-api-7d9 keeps restarting', emoji: true },
    });
    const fields = (blocks[1]!.fields as Array<{ text: string }>).map((f) => f.text);
    expect(fields).toEqual([
      '*Severity*\nCRITICAL',
      '*Status*\nTriggered',
      '*Alert type*\nKubePodCrashLooping',
      '*Occurrences*\n3',
      '*service*\npayments',
      '*namespace*\nprod',
      '*pod*\npayments-api-7d9',
    ]);
    expect(ofType(blocks, 'context')[0]!.elements).toEqual([
      { type: 'mrkdwn', text: 'Started <!date^1796212800^{date_short_pretty} at {time}|2026-12-02 12:00:00 UTC>' },
      {
        type: 'mrkdwn',
        text:
          '<https://vigil.example/alerts/0190a1b2-0000-7000-8000-000000000001|Open in Vigil>  ·  ' +
          '<https://prometheus.example/graph?g0.expr=up|Source>  ·  <https://runbooks.example/crash?a=1&amp;b=2|Runbook>',
      },
    ]);
    const actions = ofType(blocks, 'actions')[0]!.elements as Array<{ action_id: string; value: string }>;
    expect(actions.map((a) => [a.action_id, a.value])).toEqual([
      ['vigil_acknowledge', '0190a1b2-0000-7000-8000-000000000001'],
      ['vigil_resolve', '0190a1b2-0000-7000-8000-000000000001'],
      ['vigil_silence_1h', '0190a1b2-0000-7000-8000-000000000001'],
    ]);
    expect(blockProblems(blocks)).toEqual([]);
  });

  it('has no buttons on a resolved alert and no Acknowledge on an acknowledged one', () => {
    const resolved = renderSlack(content('resolved', [alert({ status: 'resolved' })]), templates);
    expect(ofType(resolved.blocks, 'actions')).toEqual([]);
    expect(resolved.text.startsWith(':white_check_mark: [CRITICAL]')).toBe(true);
    const acked = renderSlack(content('acknowledged', [alert({ status: 'acknowledged', by: 'alice' })]), templates);
    const ids = (ofType(acked.blocks, 'actions')[0]!.elements as Array<{ action_id: string }>).map((a) => a.action_id);
    expect(ids).toEqual(['vigil_resolve', 'vigil_silence_1h']);
  });

  it('shows the analysis summary, and a short reply for the thread', () => {
    const analysed = alert({ analysis: { status: 'completed', agent: 'triage', text: 'OOMKilled: raise the limit' } });
    const full = renderSlack(content('analysed', [analysed]), templates);
    expect(texts(full.blocks)).toContain('*Analysis* (triage):\\nOOMKilled: raise the limit');
    const reply = renderSlack(
      content('acknowledged', [{ ...analysed, status: 'acknowledged', by: 'alice', note: 'on it' }]),
      templates,
      {
        reply: true,
      },
    );
    expect(reply.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: ':red_circle: *Acknowledged* by alice. Status: Acknowledged, occurrences: 3.\n> on it\n*Analysis* (triage): OOMKilled: raise the limit',
        },
      },
    ]);
  });

  it('escapes mrkdwn in alert text and drops links that are not http(s)', () => {
    const hostile = alert({
      summary: '<!channel> & <https://evil.example|click>',
      labels: { service: '<@U123>' },
      sourceUrl: 'javascript:alert(1)',
      runbookUrl: 'https://runbooks.example/a|b>c',
    });
    const { blocks } = renderSlack(content('created', [hostile]), templates);
    const json = texts(blocks);
    expect(json).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(json).toContain('*service*\\n&lt;@U123&gt;');
    expect(json).not.toContain('javascript');
    expect(json).toContain('<https://runbooks.example/a%7Cb%3Ec|Runbook>');
  });

  it('keeps within Slack limits, marking cuts with …', () => {
    const long = alert({
      summary: 'x'.repeat(5000),
      labels: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`label${i}`, 'v'.repeat(3000)])),
      analysis: { status: 'completed', agent: 'triage', text: 'y'.repeat(10_000) },
    });
    const { blocks, text } = renderSlack(
      content('created', [{ ...long, labels: { ...long.labels, service: 's'.repeat(3000) } }]),
      templates,
    );
    expect(blockProblems(blocks)).toEqual([]);
    const header = (blocks[0]!.text as { text: string }).text;
    expect(header).toHaveLength(SLACK_LIMITS.headerText);
    expect(header.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
    const sections = ofType(blocks, 'section').map((b) => (b.text as { text: string }).text);
    expect(sections.every((t) => t.length <= SLACK_LIMITS.sectionText)).toBe(true);
    expect(sections.filter((t) => t.endsWith('…'))).toHaveLength(2);
    expect((blocks[1]!.fields as unknown[]).length).toBeLessThanOrEqual(SLACK_LIMITS.fields);
  });

  it('lists a group compactly with "and N more", within 50 blocks', () => {
    const alerts = Array.from({ length: 60 }, (_, i) =>
      alert({ alertId: `0190a1b2-0000-7000-8000-${String(i).padStart(12, '0')}`, summary: `disk ${i} full` }),
    );
    const { blocks, text } = renderSlack(content('group', alerts, { omitted: 440 }), templates);
    expect(text).toBe(':red_circle: 500 alerts — payments (grouped)');
    const listed = ofType(blocks, 'section')
      .map((b) => (b.text as { text: string }).text)
      .join('\n');
    expect(listed.split('\n')).toHaveLength(20);
    expect(listed.split('\n')[0]).toBe(
      ':red_circle: *[CRITICAL] disk 0 full* — payments · Triggered · ×3 · <https://vigil.example/alerts/0190a1b2-0000-7000-8000-000000000001|open>',
    );
    expect(ofType(blocks, 'context').at(-1)!.elements).toEqual([{ type: 'mrkdwn', text: '…and 480 more' }]);
    expect(ofType(blocks, 'actions')).toEqual([]);
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(blockProblems(blocks)).toEqual([]);
  });

  it('sends a test message, with no buttons', () => {
    const { blocks, text } = renderSlack(content('test', []), templates);
    expect(text).toBe('Vigil test notification');
    expect(blockProblems(blocks)).toEqual([]);
    const withAlert = renderSlack(content('test', [alert({ severity: 'info', alertType: 'VigilTest' })]), templates);
    expect(ofType(withAlert.blocks, 'actions')).toEqual([]);
    expect(texts(withAlert.blocks)).toContain('This is a test message from Vigil');
  });
});

describe('email messages', () => {
  const templates = new TemplateStore();

  it('has the subject [SEVERITY] type — service, and text and HTML parts', () => {
    const email = renderEmail(content('created', [alert()]), templates);
    expect(email.subject).toBe('[CRITICAL] KubePodCrashLooping — payments');
    expect(email.text).toContain('New alert: [CRITICAL] Pod payments-api-7d9 keeps restarting');
    expect(email.text).toContain('Labels:       service=payments, namespace=prod, pod=payments-api-7d9, zone=eu-1a');
    expect(email.text).toContain('Runbook:       https://runbooks.example/crash?a=1&b=2');
    expect(email.text).toContain('Started:      2026-12-02 12:00:00 UTC');
    expect(email.html).toContain('<h2 style="margin: 0 0 8px;">[CRITICAL] Pod payments-api-7d9 keeps restarting</h2>');
    expect(email.html).toContain('href="https:&#x2F;&#x2F;runbooks.example&#x2F;crash?a&#x3D;1&amp;b&#x3D;2"');
  });

  it('names the label after the dash: service, namespace, job, instance, first present', () => {
    const subject = (labels: Record<string, string>) =>
      renderEmail(content('created', [alert({ labels })]), templates).subject;
    expect(subject({ instance: 'db-1:9100', job: 'node' })).toBe('[CRITICAL] KubePodCrashLooping — node');
    expect(subject({ instance: 'db-1:9100' })).toBe('[CRITICAL] KubePodCrashLooping — db-1:9100');
    expect(subject({ namespace: 'prod', pod: 'x' })).toBe('[CRITICAL] KubePodCrashLooping — prod');
    expect(subject({ pod: 'x' })).toBe('[CRITICAL] KubePodCrashLooping');
  });

  it('follow-ups keep the subject after "Re: " so mail clients thread them', () => {
    const email = renderEmail(
      content('resolved', [alert({ status: 'resolved', by: 'bob', note: 'fixed' })]),
      templates,
    );
    expect(email.subject).toBe('Re: [CRITICAL] KubePodCrashLooping — payments');
    expect(email.text).toContain('Resolved by bob: [CRITICAL]');
    expect(email.text).toContain('Note: fixed');
  });

  it('escapes HTML in every value and keeps line breaks out of the subject', () => {
    const email = renderEmail(
      content('created', [
        alert({
          alertType: 'Evil\r\nBcc: victim@example.com',
          summary: '<img src=x onerror=alert(1)>',
          labels: { service: '"><script>alert(1)</script>' },
          note: undefined,
          runbookUrl: 'javascript:alert(1)',
        }),
      ]),
      templates,
    );
    expect(email.subject).toBe('[CRITICAL] Evil Bcc: victim@example.com — "><script>alert(1)</script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(email.html).not.toContain('javascript:');
  });

  it('lists a digest with "and N more"', () => {
    const alerts = [alert(), alert({ severity: 'warning', summary: 'latency high', labels: { service: 'payments' } })];
    const email = renderEmail(content('digest', alerts, { omitted: 5 }), templates);
    expect(email.subject).toBe('[CRITICAL] 7 alerts — payments (held during quiet hours)');
    expect(email.text).toContain('- [WARNING] latency high — payments (Triggered, 3x)');
    expect(email.text).toContain('... and 5 more');
    expect(email.html).toContain('<p>… and 5 more</p>');
  });
});

describe('templates in files, overridable per tenant', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-templates-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the tenant's file, then the deployment's default, then the shipped one", () => {
    mkdirSync(path.join(dir, TENANT));
    mkdirSync(path.join(dir, 'default'));
    writeFileSync(path.join(dir, TENANT, 'email-subject.mustache'), 'ALERT {{#alert}}{{alertType}}{{/alert}}');
    writeFileSync(path.join(dir, 'default', 'email-subject.mustache'), 'Vigil: {{#alert}}{{alertType}}{{/alert}}');
    const templates = new TemplateStore(dir);
    expect(renderEmail(content('created', [alert()]), templates).subject).toBe('ALERT KubePodCrashLooping');
    expect(renderEmail({ ...content('created', [alert()]), tenantId: 'another' }, templates).subject).toBe(
      'Vigil: KubePodCrashLooping',
    );
    expect(renderEmail(content('created', [alert()]), templates).text).toContain('New alert: [CRITICAL]');
  });

  it('never reads outside the templates directory for an odd tenant id', () => {
    mkdirSync(path.join(dir, 'inner'));
    writeFileSync(path.join(dir, 'email-subject.mustache'), 'outside');
    const templates = new TemplateStore(path.join(dir, 'inner'));
    for (const tenantId of ['..', '../inner/..', '/etc'])
      expect(renderEmail({ ...content('created', [alert()]), tenantId }, templates).subject).toBe(
        '[CRITICAL] KubePodCrashLooping — payments',
      );
  });
});
