import { NotFoundException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { decodeReply, encodeReply, toRemoteError } from './rpc.js';

describe('RPC error and reply encoding', () => {
  it('keeps the message and status of an HttpException', () => {
    const info = toRemoteError(new NotFoundException('alert 42 not found'));
    expect(info).toEqual(
      expect.objectContaining({ message: 'alert 42 not found', status: 404, name: 'NotFoundException' }),
    );
    expect(info.details).toEqual(expect.objectContaining({ statusCode: 404 }));
  });

  it('reads a numeric status or statusCode, ignores a non-numeric one', () => {
    expect(toRemoteError(Object.assign(new Error('conflict'), { status: 409 }))).toEqual({
      message: 'conflict',
      status: 409,
    });
    expect(toRemoteError({ message: 'gone', statusCode: 410 })).toEqual({ message: 'gone', status: 410 });
    expect(toRemoteError({ status: 'error', message: 'Internal server error' })).toEqual({
      message: 'Internal server error',
    });
  });

  it('unwraps an RpcException', () => {
    expect(toRemoteError(new RpcException('plain'))).toEqual(expect.objectContaining({ message: 'plain' }));
    expect(toRemoteError(new RpcException({ message: 'denied', status: 403 }))).toEqual(
      expect.objectContaining({ message: 'denied', status: 403 }),
    );
  });

  it('round-trips replies and flags malformed ones', () => {
    expect(decodeReply(encodeReply({ ok: true, data: { a: 1 } }))).toEqual({ ok: true, data: { a: 1 } });
    expect(decodeReply(encodeReply({ ok: false, error: { message: 'no', status: 400 } }))).toEqual({
      ok: false,
      error: { message: 'no', status: 400 },
    });
    expect(decodeReply(Buffer.from('garbage'))).toEqual({ ok: false, error: expect.objectContaining({ status: 502 }) });
    expect(decodeReply(encodeReply({ ok: true, data: { big: 1n } as unknown }))).toEqual({
      ok: false,
      error: expect.objectContaining({ status: 500 }),
    });
  });
});
