import { HttpException } from '@nestjs/common';
import { BrokerUnavailableError, RpcRemoteError, RpcTimeoutError } from '@vigil/messaging';
import { RetryableHttpException, upstreamHttpError } from './upstream-errors.js';

function mapped(error: unknown): { status: number; body: Record<string, unknown>; retryAfter?: number } {
  const result = upstreamHttpError(error);
  if (!(result instanceof HttpException)) throw new Error('not mapped');
  return {
    status: result.getStatus(),
    body: result.getResponse() as Record<string, unknown>,
    ...(result instanceof RetryableHttpException ? { retryAfter: result.retryAfterSeconds } : {}),
  };
}

describe('upstreamHttpError', () => {
  it('keeps a remote 4xx status and message', () => {
    expect(mapped(new RpcRemoteError('user.users.get', 'user', { message: 'user not found', status: 404 }))).toEqual({
      status: 404,
      body: { message: 'user not found' },
    });
    expect(mapped(new RpcRemoteError('user.users.create', 'user', { message: 'email taken', status: 409 }))).toEqual({
      status: 409,
      body: { message: 'email taken' },
    });
  });

  it('carries a remote retry-after into Retry-After', () => {
    const locked = new RpcRemoteError('user.auth.login', 'user', {
      message: 'too many attempts',
      status: 429,
      details: { statusCode: 429, message: 'too many attempts', retryAfterSeconds: 12.2 },
    });
    expect(mapped(locked)).toEqual({
      status: 429,
      body: { message: 'too many attempts', retryAfterSeconds: 13 },
      retryAfter: 13,
    });
  });

  it('keeps the fields a remote error names', () => {
    const invalid = new RpcRemoteError('user.users.update', 'user', {
      message: 'teamId: no such team',
      status: 422,
      details: { statusCode: 422, message: 'teamId: no such team', error: 'Unprocessable Entity', field: 'teamId' },
    });
    expect(mapped(invalid)).toEqual({ status: 422, body: { message: 'teamId: no such team', field: 'teamId' } });
  });

  it('passes validation problems on', () => {
    const invalid = new RpcRemoteError('user.users.create', 'user', {
      message: 'invalid request: email: bad',
      status: 400,
      details: ['email: bad'],
    });
    expect(mapped(invalid)).toEqual({
      status: 400,
      body: { message: 'invalid request: email: bad', errors: ['email: bad'] },
    });
  });

  it('hides a remote 5xx message and maps a missing status to 500', () => {
    expect(
      mapped(new RpcRemoteError('user.users.get', 'user', { message: 'relation "users" does not exist', status: 500 })),
    ).toEqual({ status: 500, body: { message: 'the user service failed to handle the request' } });
    expect(mapped(new RpcRemoteError('user.users.get', 'user', { message: 'TypeError: x' })).status).toBe(500);
  });

  it('answers 504 to a timeout and 503 with Retry-After to an unreachable broker or service', () => {
    expect(mapped(new RpcTimeoutError('user.users.get', 'user', 5000))).toEqual({
      status: 504,
      body: { message: 'the user service did not answer within 5000 ms' },
    });
    expect(mapped(new BrokerUnavailableError('not connected'))).toMatchObject({ status: 503, retryAfter: 5 });
    expect(
      mapped(new RpcRemoteError('user.users.get', 'user', { message: 'no RPC queue', status: 503 })),
    ).toMatchObject({ status: 503, retryAfter: 5 });
  });

  it('leaves other errors alone (they are 500s)', () => {
    const bug = new TypeError('oops');
    expect(upstreamHttpError(bug)).toBe(bug);
  });
});
