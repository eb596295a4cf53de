import { JwtKeysConfig } from '@vigil/auth';
import { CommonConfig, Env, IsIntegerIn, loadServiceConfig } from '@vigil/config';
import { IsString, Matches } from 'class-validator';

const TTL_MAX_MS = 5_000;

/**
 * The gateway's own variables. Cache TTLs are capped at 5 s: that cap is the promise that a
 * revoked key or a deactivated user stops working within 5 s even if the revocation event is lost.
 */
export class GatewayConfig extends JwtKeysConfig {
  @Env(
    'Express "trust proxy": false (use the socket address), true, a hop count, or comma-separated addresses/subnets of trusted proxies; decides the client address used for rate limits and the audit log',
  )
  @IsString()
  @Matches(/^(?:false|true|\d+|[A-Za-z0-9.:/]+(?:\s*,\s*[A-Za-z0-9.:/]+)*)$/, {
    message: 'must be false, true, a hop count, or a comma-separated list of addresses/subnets',
  })
  TRUST_PROXY = 'false';

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

  @Env('largest request body the alert and webhook receivers take, in bytes (larger: 413)')
  @IsIntegerIn(1024, 16 * 1024 * 1024, 'bytes')
  INGEST_MAX_BODY_BYTES = 1_048_576;

  @Env('most alerts one request to POST /api/v1/alerts or a webhook may carry (more: 413)')
  @IsIntegerIn(1, 10_000)
  ALERTS_MAX_BATCH = 1_000;

  @Env(
    'how long an ingest request waits for the broker to confirm its message before answering 503 with Retry-After, in milliseconds',
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

  /** Express's `trust proxy` setting from TRUST_PROXY. */
  trustProxy(): boolean | number | string {
    const value = this.TRUST_PROXY.trim();
    if (value === 'false') return false;
    if (value === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    return value;
  }
}

/**
 * The runtime hands every service the CommonConfig it resolved; the gateway reads its own variables
 * from the environment, and the common ones exactly as resolved (so mode and data directory agree
 * with the rest of the process, and with the user service that shares the JWT key file).
 */
export function gatewayConfigFrom(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  return loadServiceConfig(GatewayConfig, common, env);
}
