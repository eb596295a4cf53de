import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RpcPatterns, type SimilarAlertsQuery, type SimilarAlertView } from '@vigil/contracts';
import { RpcRemoteError, VigilBusClient, type Logger } from '@vigil/messaging';
import { LOGGER } from '@vigil/runtime';

/** The environment variable that tells a stdio server started by the runner where to ask for similar alerts. */
export const ALERTS_URL_VARIABLE = 'VIGIL_ALERTS_URL';
export { ALERTS_TOKEN_META } from '@vigil/contracts';

/** What one investigation's token lets a tool read: its tenant's alerts, around its alert. */
export interface AlertsGrant {
  tenantId: string;
  alertId: string;
  fingerprint: string;
  alertType: string;
}

const MAX_BODY_BYTES = 16 * 1024;

/**
 * How the built-in `vigil-tools` server, a separate process with no database and no bus, answers
 * `similar_alerts` for the right tenant: the runner listens on the loopback interface only, gives the
 * address to the stdio servers it starts (VIGIL_ALERTS_URL), and hands each tool call of an
 * investigation a random token in the request's `_meta`. The token is the only thing that names a
 * tenant (a tool argument never does), and it dies with the investigation.
 */
@Injectable()
export class AlertsLookup implements OnApplicationShutdown {
  private readonly grants = new Map<string, AlertsGrant>();
  private server: http.Server | undefined;
  private address: string | undefined;

  constructor(
    private readonly bus: VigilBusClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Starts listening (once) on 127.0.0.1 and returns the URL. */
  async listen(): Promise<string> {
    if (this.address) return this.address;
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    this.server = server;
    this.address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/similar-alerts`;
    return this.address;
  }

  grant(grant: AlertsGrant): string {
    const token = randomBytes(32).toString('base64url');
    this.grants.set(token, grant);
    return token;
  }

  revoke(token: string): void {
    this.grants.delete(token);
  }

  async onApplicationShutdown(): Promise<void> {
    this.grants.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'POST' || !req.url?.startsWith('/similar-alerts'))
        return answer(404, { message: 'POST /similar-alerts is the only route' });
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const grant = token ? this.grants.get(token) : undefined;
      if (!grant) return answer(401, { message: 'unknown or expired investigation token' });
      const body = await readJson(req);
      if (body === undefined) return answer(400, { message: 'the body must be a JSON object of at most 16 KiB' });
      const asked = {
        fingerprint: typeof body.fingerprint === 'string' ? body.fingerprint : undefined,
        alertType: typeof body.alertType === 'string' ? body.alertType : undefined,
      };
      const query: SimilarAlertsQuery = {
        // Neither given: alerts like the one under investigation.
        ...(asked.fingerprint || asked.alertType
          ? asked
          : { fingerprint: grant.fingerprint, alertType: grant.alertType }),
        excludeId: grant.alertId,
        ...(typeof body.limit === 'number' && { limit: body.limit }),
      };
      const alerts = await this.bus.request<SimilarAlertView[]>(RpcPatterns.AlertSimilar, {
        tenantId: grant.tenantId,
        payload: query,
      });
      answer(200, alerts);
    } catch (error) {
      if (error instanceof RpcRemoteError && error.status !== undefined && error.status < 500)
        return answer(error.status, { message: error.message });
      this.logger.warn({ err: error }, 'a similar-alerts lookup failed');
      answer(503, { message: 'the alert service did not answer; try again later' });
    }
  }
}

function readJson(req: http.IncomingMessage): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
        resolve(
          value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined,
        );
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', () => resolve(undefined));
  });
}
