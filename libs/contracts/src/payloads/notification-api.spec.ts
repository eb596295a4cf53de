import { validateAs } from '../registry.js';
import {
  CreateChannelRequest,
  CreateEscalationPolicyRequest,
  CreateRouteRequest,
  isTimeZone,
} from './notification-api.js';

const CHANNEL = '00000000-0000-4000-8000-000000000001';

function problemsOf<T extends object>(cls: new () => T, plain: object): string[] {
  const checked = validateAs(cls, plain);
  return checked.ok ? [] : checked.problems;
}

describe('notification configuration contracts', () => {
  it('knows IANA time zones and refuses made-up ones', () => {
    expect(['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Asia/Kolkata'].map(isTimeZone)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['Mars/Olympus', 'Europe/Pariss', '', '../etc/passwd'].map(isTimeZone)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('accepts a full route and names each bad field of a wrong one', () => {
    expect(
      problemsOf(CreateRouteRequest, {
        name: 'critical payments',
        channelIds: [CHANNEL],
        minSeverity: 'high',
        alertTypes: ['Kube*'],
        labelMatchers: [{ name: 'service', op: '=~', value: 'pay.*' }],
        eventKinds: ['created', 'resolved'],
        groupBy: ['service'],
        groupWaitSeconds: 30,
        quietHours: {
          timeZone: 'Europe/Paris',
          start: '22:00',
          end: '07:00',
          days: ['sat', 'sun'],
          overrideSeverity: 'critical',
        },
      }),
    ).toEqual([]);
    const problems = problemsOf(CreateRouteRequest, {
      name: 'bad',
      channelIds: ['not-a-uuid'],
      minSeverity: 'urgent',
      labelMatchers: [{ name: 'service', op: '=~', value: '(a)\\1' }],
      eventKinds: ['exploded'],
      groupBy: ['0bad'],
      groupWaitSeconds: 3601,
      groupIntervalSeconds: 0,
      repeatIntervalSeconds: 59,
      quietHours: { timeZone: 'Mars/Olympus', start: '25:00', end: '7' },
    });
    for (const field of [
      'channelIds',
      'minSeverity',
      'labelMatchers.0.value',
      'eventKinds',
      'groupBy',
      'groupWaitSeconds',
      'groupIntervalSeconds',
      'repeatIntervalSeconds',
      'quietHours.timeZone',
      'quietHours.start',
      'quietHours.end',
    ])
      expect([field, problems.some((p) => p.startsWith(`${field}: `))]).toEqual([field, true]);
  });

  it('bounds channel types and escalation steps', () => {
    expect(problemsOf(CreateChannelRequest, { name: 'x', type: 'pager' })).toEqual([
      'type: type must be one of slack, slack-webhook, email',
    ]);
    expect(
      problemsOf(CreateEscalationPolicyRequest, {
        name: 'p',
        steps: [{ waitMinutes: 1441, channelIds: [CHANNEL] }],
        repeat: 11,
      }),
    ).toEqual([
      'steps.0.waitMinutes: waitMinutes must not be greater than 1440',
      'repeat: repeat must not be greater than 10',
    ]);
  });
});
