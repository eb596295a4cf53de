import { InternalServerErrorException, type ExecutionContext } from '@nestjs/common';
import { loadConfig } from '@vigil/config';
import { pino } from 'pino';
import { GatewayConfig } from '../gateway.config.js';
import { AccessGuard } from './access.guard.js';
import type { Authenticator } from './authenticator.js';
import { RateLimiter } from './rate-limiter.js';
import type { RouteAccess } from './route-access.js';

class Undeclared {
  handler(): void {}
}

function httpContext(headers: Record<string, string> = {}): {
  context: ExecutionContext;
  res: { headers: Record<string, string> };
} {
  const res = {
    headers: {} as Record<string, string>,
    headersSent: false,
    setHeader(name: string, value: string) {
      this.headers[name] = value;
    },
  };
  const req = { method: 'GET', originalUrl: '/x', headers, ip: '127.0.0.1', socket: {} };
  const context = {
    getType: () => 'http',
    getHandler: () => Undeclared.prototype.handler,
    getClass: () => Undeclared,
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { context, res };
}

const routes = (declaration: unknown) => ({ of: () => declaration }) as unknown as RouteAccess;
const authenticator = {} as Authenticator;
const logger = pino({ level: 'silent' });

/** A guard over one route declaration, with the default configuration unless `env` says otherwise. */
const guardFor = (declaration: unknown, env: NodeJS.ProcessEnv = {}) =>
  new AccessGuard(routes(declaration), authenticator, new RateLimiter(), loadConfig(GatewayConfig, env), logger);

describe('AccessGuard', () => {
  it('answers 500 to a route that declares nothing', async () => {
    const guard = guardFor(undefined);
    await expect(guard.canActivate(httpContext().context)).rejects.toBeInstanceOf(InternalServerErrorException);
  });

  it('leaves bus handlers alone', async () => {
    const guard = guardFor(undefined);
    await expect(guard.canActivate({ getType: () => 'rpc' } as unknown as ExecutionContext)).resolves.toBe(true);
  });

  it('challenges a request without credential on a protected route', async () => {
    const guard = guardFor({ kind: 'credential', roles: ['admin'], scopes: [] });
    const { context, res } = httpContext();
    await expect(guard.canActivate(context)).rejects.toMatchObject({ status: 401 });
    expect(res.headers['WWW-Authenticate']).toMatch(/^Bearer realm="vigil"/);
  });

  it('throttles sign-in routes per address with Retry-After', async () => {
    const guard = guardFor({ kind: 'public', signIn: true }, { RATE_LIMIT_LOGIN_PER_IP_PER_MIN: '1' });
    const first = httpContext();
    await expect(guard.canActivate(first.context)).resolves.toBe(true);
    const second = httpContext();
    await expect(guard.canActivate(second.context)).rejects.toMatchObject({ status: 429 });
    expect(second.res.headers['Retry-After']).toBe('60');
  });
});
