import { JwtKeysConfig } from '@vigil/auth';
import { CommonConfig, Env, IsIntegerIn, IsParsedBy, loadServiceConfig } from '@vigil/config';
import { parseAllowedCidrs } from '@vigil/netguard';
import { IsOptional, IsString, Matches, MinLength } from 'class-validator';
import ipaddr from 'ipaddr.js';

const TTL_MAX_MS = 5_000;

/**
 * The gateway's own variables. Cache TTLs are capped at 5 s: that cap is the promise that a
 * revoked key or a deactivated user stops working within 5 s even if the revocation event is lost.
 */
export class GatewayConfig extends JwtKeysConfig {
  @Env(
    'which peers may set the client address with X-Forwarded-For: false (none: the socket address), the number of proxies in front of the gateway, or comma-separated addresses/subnets of the trusted proxies (loopback, linklocal, uniquelocal also name ranges); true is refused, as it would believe any client; decides the client address used for rate limits and the audit log',
  )
  @IsParsedBy(parseTrustProxy)
  TRUST_PROXY = 'false';

  @Env(
    "bearer token a scraper must send to read the gateway's /metrics (Authorization: Bearer <token>), at least 16 characters; unset: no token needed",
    { secret: true },
  )
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  @Env(
    "comma-separated addresses/subnets of the clients that may read the gateway's /metrics (the client address as TRUST_PROXY decides it); unset: any address",
  )
  @IsOptional()
  @IsParsedBy((text) => parseAllowedCidrs(text, 'METRICS_ALLOWED_CIDRS'))
  METRICS_ALLOWED_CIDRS?: string;

  @Env(
    "the Slack app's signing secret (Basic Information → App Credentials): POST /api/v1/notifications/slack/actions checks every button click's signature with it; unset: that route answers 503",
    { secret: true },
  )
  @IsOptional()
  @IsString()
  @MinLength(8)
  SLACK_SIGNING_SECRET?: string;

  @Env(
    'how long one answer of GET /api/v1/system/status (six pings, one per service) is served to every caller, in milliseconds (0: every request pings)',
  )
  @IsIntegerIn(0, 60_000, 'milliseconds')
  SYSTEM_STATUS_CACHE_MS = 5_000;

  @Env('how long a verified API key is trusted without asking the user service again, in milliseconds (at most 5000)')
  @IsIntegerIn(0, TTL_MAX_MS, 'milliseconds')
  API_KEY_CACHE_TTL_MS = 5_000;

  @Env('how long an unknown or revoked API key is remembered as invalid, in milliseconds (at most 5000)')
  @IsIntegerIn(0, TTL_MAX_MS, 'milliseconds')
  API_KEY_NEGATIVE_CACHE_TTL_MS = 1_000;

  @Env(
    "how long a signed-in user's status (active, role) is trusted before asking the user service again, in milliseconds (at most 5000)",
  )
  @IsIntegerIn(0, TTL_MAX_MS, 'milliseconds')
  PRINCIPAL_CACHE_TTL_MS = 5_000;

  @Env('requests per minute one API key may make (per gateway replica)')
  @IsIntegerIn(1)
  RATE_LIMIT_PER_KEY_PER_MIN = 600;

  @Env('requests per minute all credentials of one tenant together may make (per gateway replica)')
  @IsIntegerIn(1)
  RATE_LIMIT_PER_TENANT_PER_MIN = 3_000;

  @Env(
    'sign-in attempts (login, refresh, logout, accept-invitation) per minute from one client address (per gateway replica)',
  )
  @IsIntegerIn(1)
  RATE_LIMIT_LOGIN_PER_IP_PER_MIN = 30;

  @Env(
    'credentials (API keys, access tokens) refused per minute from one client address before that address gets 429 without its credentials being looked up (per gateway replica)',
  )
  @IsIntegerIn(1)
  RATE_LIMIT_AUTH_FAILURES_PER_IP_PER_MIN = 30;

  @Env('largest request body the alert and webhook receivers take, in bytes (larger: 413)')
  @IsIntegerIn(1024, 16 * 1024 * 1024, 'bytes')
  INGEST_MAX_BODY_BYTES = 1_048_576;

  @Env('most alerts one request to POST /api/v1/alerts or a webhook may carry (more: 413)')
  @IsIntegerIn(1, 10_000)
  ALERTS_MAX_BATCH = 1_000;

  @Env(
    'how long an ingest request waits for the broker, in milliseconds: a message not sent to it by then is withdrawn and the request answered 503 with Retry-After; one sent but not yet confirmed is answered 202 and published again (same id) until confirmed',
  )
  @IsIntegerIn(100, 60_000, 'milliseconds')
  INGEST_PUBLISH_TIMEOUT_MS = 5_000;

  @Env('the Alertmanager/Grafana label whose value becomes the alert type, unless a request says ?type_label=')
  @IsString()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'must be a label name ([A-Za-z_][A-Za-z0-9_]*)' })
  WEBHOOK_TYPE_LABEL = 'alertname';

  @Env(
    "how long a tenant's stored generic-webhook mapping is used without asking the alert service again, in milliseconds (at most 5000)",
  )
  @IsIntegerIn(0, TTL_MAX_MS, 'milliseconds')
  WEBHOOK_MAPPING_CACHE_TTL_MS = 5_000;

  @Env(
    'how long a WebSocket client at /api/v1/ws that sent no credential on the upgrade has to send its auth frame, in milliseconds (then closed with 4401)',
  )
  @IsIntegerIn(100, 60_000, 'milliseconds')
  LIVE_AUTH_TIMEOUT_MS = 5_000;

  @Env(
    'how often the gateway pings each WebSocket client, in milliseconds; a client that has not answered the previous ping by the next one is dropped',
  )
  @IsIntegerIn(100, 300_000, 'milliseconds')
  LIVE_HEARTBEAT_MS = 30_000;

  @Env('events of each tenant a WebSocket client can always catch up on with "after" (the newest ones)')
  @IsIntegerIn(1_000, 100_000)
  LIVE_REPLAY_EVENTS = 1_000;

  @Env(
    'how long an event stays available to "after" beyond the newest LIVE_REPLAY_EVENTS of its tenant, in milliseconds (bounded by LIVE_REPLAY_MAX_EVENTS)',
  )
  @IsIntegerIn(0, 3_600_000, 'milliseconds')
  LIVE_REPLAY_WINDOW_MS = 900_000;

  @Env('most events kept for "after" per tenant, whatever their age (at least LIVE_REPLAY_EVENTS)')
  @IsIntegerIn(1_000, 1_000_000)
  LIVE_REPLAY_MAX_EVENTS = 10_000;

  @Env('largest frame a WebSocket client may send, in bytes (larger: closed with 1009)')
  @IsIntegerIn(256, 65_536, 'bytes')
  LIVE_MAX_FRAME_BYTES = 4_096;

  @Env('frames per minute one WebSocket client may send (more: closed with 4429)')
  @IsIntegerIn(1, 100_000)
  LIVE_FRAMES_PER_MIN = 120;

  @Env('subscriptions one WebSocket client may hold at once')
  @IsIntegerIn(1, 10_000)
  LIVE_MAX_SUBSCRIPTIONS = 100;

  @Env(
    'bytes waiting to be sent to one WebSocket client before it is closed as too slow (4008), so it neither slows the others nor grows memory',
  )
  @IsIntegerIn(16_384, 268_435_456, 'bytes')
  LIVE_MAX_BUFFERED_BYTES = 4_194_304;

  /** Express's `trust proxy` setting from TRUST_PROXY. */
  trustProxy(): TrustProxy {
    return parseTrustProxy(this.TRUST_PROXY);
  }
}

/** What Express's `trust proxy` takes: nobody, a hop count, or the proxies' addresses and subnets. */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for address ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as Express takes it. `true` is refused: Express would then take the left-most
 * X-Forwarded-For entry, which any client writes itself, so every per-address limit could be
 * dodged by sending a new address each time.
 */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim();
  if (value === 'false' || value === '') return false;
  if (value.toLowerCase() === 'true')
    throw new Error(
      'true would believe any X-Forwarded-For a client sends: give the number of proxies in front of the gateway (e.g. 1) or their addresses/subnets (e.g. 10.0.0.0/8)',
    );
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 32) throw new Error(`${value} proxies in front of the gateway is not plausible: at most 32`);
    return hops === 0 ? false : hops;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue;
    const valid = entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry);
    if (!valid)
      throw new Error(
        `"${entry}" is not an address, a subnet (10.0.0.0/8) or one of loopback, linklocal, uniquelocal; TRUST_PROXY is false, a hop count or a comma-separated list of those`,
      );
  }
  return entries;
}

/**
 * The runtime hands every service the CommonConfig it resolved; the gateway reads its own variables
 * from the environment, and the common ones exactly as resolved (so mode and data directory agree
 * with the rest of the process, and with the user service that shares the JWT key file).
 */
export function gatewayConfigFrom(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  return loadServiceConfig(GatewayConfig, common, env);
}
