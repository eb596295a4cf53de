import { UnprocessableEntityException } from '@nestjs/common';
import { ALERT_LIST_QUERY } from './alerts/alert-queries.js';
import { HISTORY_SESSION_LIST_QUERY } from './history/history-queries.js';
import { listQueryOf, type ListQuerySpec } from './query-params.js';

function problemsOf<T extends object>(query: Record<string, unknown>, spec: ListQuerySpec<T>): string[] {
  try {
    listQueryOf(query, spec);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    return ((error as UnprocessableEntityException).getResponse() as { errors: string[] }).errors;
  }
}

describe('listQueryOf: one parser for the list routes', () => {
  it('fills the contract from snake_case parameters: lists repeated or comma-split, labels never split', () => {
    expect(
      listQueryOf(
        {
          status: ['triggered,acknowledged'],
          severity: 'CRITICAL,high',
          label: ['team=a,b', 'env=prod'],
          alert_type: 'disk-full',
          limit: '20',
        },
        ALERT_LIST_QUERY,
      ),
    ).toEqual({
      status: ['triggered', 'acknowledged'],
      severity: ['critical', 'high'],
      label: ['team=a,b', 'env=prod'],
      alertType: 'disk-full',
      limit: 20,
    });
  });

  it('names each problem by its query parameter, unknown ones included', () => {
    expect(problemsOf({ colour: 'red' }, ALERT_LIST_QUERY)[0]).toMatch(/^colour: unknown query parameter \(status, /);
    expect(problemsOf({ limit: 'many' }, ALERT_LIST_QUERY)).toEqual(['limit: limit must be an integer']);
    expect(problemsOf({ alert_type: ['a', 'b'] }, ALERT_LIST_QUERY)).toEqual(['alert_type: give it once']);
    expect(problemsOf({ agent_type: 'x'.repeat(300) }, HISTORY_SESSION_LIST_QUERY)[0]).toMatch(/^agent_type: /);
  });

  it('checks from and to as dates in order where the route has a range', () => {
    expect(
      problemsOf({ from: '2026-11-23T00:00:00Z', to: '2026-11-22T00:00:00Z' }, HISTORY_SESSION_LIST_QUERY),
    ).toEqual(['from: 2026-11-23T00:00:00Z is after to 2026-11-22T00:00:00Z']);
    expect(
      problemsOf({ from: '2026-11-22T00:00:00Z', to: '2026-11-23T00:00:00Z' }, HISTORY_SESSION_LIST_QUERY),
    ).toEqual([]);
  });
});
