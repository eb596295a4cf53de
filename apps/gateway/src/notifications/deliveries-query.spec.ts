import { UnprocessableEntityException } from '@nestjs/common';
import { deliveryListQueryOf } from './deliveries-query.js';

const ALERT = '0193c2a4-7b1e-7c3d-8e4f-123456789abc';

function problemsOf(query: Record<string, unknown>): string[] {
  try {
    deliveryListQueryOf(query);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableEntityException);
    return ((error as UnprocessableEntityException).getResponse() as { errors: string[] }).errors;
  }
}

describe('deliveries list query', () => {
  it('maps snake_case parameters to the contract and splits status lists', () => {
    expect(
      deliveryListQueryOf({
        alert_id: ALERT,
        status: ['failed,delivered', 'pending'],
        from: '2026-11-22T15:16:26Z',
        to: '2026-11-23T00:00:00Z',
        limit: '20',
      }),
    ).toEqual({
      alertId: ALERT,
      status: ['failed', 'delivered', 'pending'],
      from: '2026-11-22T15:16:26Z',
      to: '2026-11-23T00:00:00Z',
      limit: 20,
    });
  });

  it('names every bad parameter by its query name', () => {
    expect(problemsOf({ channel_id: 'nope' })).toEqual(['channel_id: channel_id must be a UUID']);
    expect(problemsOf({ status: 'lost' })[0]).toMatch(/^status: status must be among pending, sending/);
    expect(problemsOf({ limit: 'many' })).toEqual(['limit: limit must be an integer']);
    expect(problemsOf({ limit: '201' })).toEqual(['limit: limit must not be greater than 200']);
    expect(problemsOf({ from: '2026-11-23T00:00:00Z', to: '2026-11-22T00:00:00Z' })).toEqual([
      'from: 2026-11-23T00:00:00Z is after to 2026-11-22T00:00:00Z',
    ]);
    expect(problemsOf({ channel: ALERT })[0]).toMatch(/^channel: unknown query parameter/);
  });
});
