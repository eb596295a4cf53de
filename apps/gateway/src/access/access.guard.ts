import {
  ForbiddenException,
  HttpStatus,
  Inject,
  Injectable,
  InternalServerErrorException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { LOGGER } from '@vigil/runtime';
import type { Logger } from '@vigil/observability';
import type { Response } from 'express';
import { applyRetryAfter, RetryableHttpException, upstreamHttpError } from '../bus/upstream-errors.js';
import type { GatewayConfig } from '../gateway.config.js';
import { GATEWAY_CONFIG } from '../tokens.js';
import type { CredentialAccess } from './access.decorators.js';
import { Authenticator } from './authenticator.js';
import { presentedCredential } from './credentials.js';
import { MetricsAccess } from './metrics-access.js';
import { authorize } from './policy.js';
import { clientAddressOf, type AuthenticatedRequest, type Principal } from './principal.js';
import { RateLimiter } from './rate-limiter.js';
import { RouteAccess } from './route-access.js';

const CHALLENGE = 'Bearer realm="vigil", charset="UTF-8"';
const METRICS_CHALLENGE = 'Bearer realm="vigil-metrics", charset="UTF-8"';

/**
 * The one gate of every HTTP route: reads the route's declaration (none → 500, and start-up already
 * failed), authenticates the credential, checks role or scope, applies the rate limits, and leaves
 * the principal on the request. Bus handlers are not HTTP and pass through.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly metrics: MetricsAccess;

  constructor(
    private readonly routes: RouteAccess,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.metrics = new MetricsAccess(config);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const declaration = this.routes.of(context.getHandler());
    if (!declaration) {
      this.logger.error(
        {
          method: req.method,
          url: req.originalUrl,
          handler: `${context.getClass().name}.${context.getHandler().name}`,
        },
        'route declares no access rule: refused',
      );
      throw new InternalServerErrorException('this route declares no access rule');
    }
    try {
      if (declaration.kind === 'public') {
        if (declaration.metrics) this.checkMetricsReader(req, res);
        if (declaration.signIn)
          this.limit(
            `ip:${clientAddressOf(req)}`,
            this.config.RATE_LIMIT_LOGIN_PER_IP_PER_MIN,
            'sign-in attempts from this address',
          );
        return true;
      }
      req.principal = await this.authenticate(req, res, declaration);
      return true;
    } catch (error) {
      const mapped = upstreamHttpError(error);
      applyRetryAfter(res, mapped);
      throw mapped;
    }
  }

  private async authenticate(req: AuthenticatedRequest, res: Response, rule: CredentialAccess): Promise<Principal> {
    const credential = presentedCredential(req.headers);
    if (credential.kind === 'none' || credential.kind === 'unusable') {
      res.setHeader('WWW-Authenticate', CHALLENGE);
      throw new UnauthorizedException(
        credential.kind === 'none' ? 'authentication required: send a bearer token or an API key' : credential.reason,
      );
    }
    // An address whose credentials keep failing (guessed or stale API keys, forged tokens) is refused
    // before the next lookup: each unknown key costs an RPC and a database query.
    const address = clientAddressOf(req);
    const failures = `auth-failures:${address}`;
    const perMinute = this.config.RATE_LIMIT_AUTH_FAILURES_PER_IP_PER_MIN;
    const gate = this.limiter.peek(failures, perMinute);
    if (!gate.allowed)
      throw new RetryableHttpException(
        HttpStatus.TOO_MANY_REQUESTS,
        `too many refused credentials from this address: at most ${perMinute} a minute; retry in ${gate.retryAfterSeconds} s`,
        gate.retryAfterSeconds,
      );
    let principal: Principal;
    try {
      principal = await this.authenticator.authenticate(credential, address);
    } catch (error) {
      if (error instanceof UnauthorizedException) {
        this.limiter.take(failures, perMinute);
        res.setHeader('WWW-Authenticate', CHALLENGE);
      }
      throw error;
    }
    if (principal.kind === 'api-key')
      this.limit(`key:${principal.id}`, this.config.RATE_LIMIT_PER_KEY_PER_MIN, 'requests with this API key');
    this.limit(`tenant:${principal.tenantId}`, this.config.RATE_LIMIT_PER_TENANT_PER_MIN, 'requests for this tenant');
    const decision = authorize(rule, principal);
    if (!decision.allowed) throw new ForbiddenException(decision.reason);
    return principal;
  }

  private checkMetricsReader(req: AuthenticatedRequest, res: Response): void {
    const refusal = this.metrics.refusal(clientAddressOf(req), req.headers.authorization);
    if (!refusal) return;
    if (refusal.status === HttpStatus.FORBIDDEN) throw new ForbiddenException(refusal.message);
    res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
    throw new UnauthorizedException(refusal.message);
  }

  private limit(key: string, perMinute: number, what: string): void {
    const result = this.limiter.take(key, perMinute);
    if (!result.allowed) {
      throw new RetryableHttpException(
        HttpStatus.TOO_MANY_REQUESTS,
        `rate limit exceeded: at most ${perMinute} ${what} per minute; retry in ${result.retryAfterSeconds} s`,
        result.retryAfterSeconds,
      );
    }
  }
}
