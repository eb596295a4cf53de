import { readFileSync } from 'node:fs';
import { CommonConfig, envExampleProblems, loadConfig } from '@vigil/config';
import { GatewayConfig, gatewayConfigFrom } from './gateway.config.js';

const ENV_EXAMPLE = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
const KEYS = `k1:${'s'.repeat(48)}`;

describe('GatewayConfig', () => {
  it('is listed in .env.example with its defaults', () => {
    expect(envExampleProblems(GatewayConfig, ENV_EXAMPLE)).toEqual([]);
  });

  it('defaults to 5 s caches and per-replica limits, no trusted proxy', () => {
    const config = loadConfig(GatewayConfig, {});
    expect(config).toMatchObject({
      API_KEY_CACHE_TTL_MS: 5000,
      PRINCIPAL_CACHE_TTL_MS: 5000,
      API_KEY_NEGATIVE_CACHE_TTL_MS: 1000,
      RATE_LIMIT_PER_KEY_PER_MIN: 600,
    });
    expect(config.trustProxy()).toBe(false);
  });

  it('parses TRUST_PROXY the way Express takes it: no proxy, a hop count, or the proxies’ addresses', () => {
    expect(loadConfig(GatewayConfig, { TRUST_PROXY: 'false' }).trustProxy()).toBe(false);
    expect(loadConfig(GatewayConfig, { TRUST_PROXY: '0' }).trustProxy()).toBe(false);
    expect(loadConfig(GatewayConfig, { TRUST_PROXY: '2' }).trustProxy()).toBe(2);
    expect(loadConfig(GatewayConfig, { TRUST_PROXY: 'loopback, 10.0.0.0/8, 2001:db8::1' }).trustProxy()).toEqual([
      'loopback',
      '10.0.0.0/8',
      '2001:db8::1',
    ]);
    expect(() => loadConfig(GatewayConfig, { TRUST_PROXY: 'yes please!' })).toThrow(
      /^Invalid configuration: TRUST_PROXY is invalid: "yes please!" is not an address, a subnet/,
    );
    expect(() => loadConfig(GatewayConfig, { TRUST_PROXY: '10.0.0.0/8, proxy.internal' })).toThrow(
      '"proxy.internal" is not an address',
    );
  });

  it('refuses TRUST_PROXY=true, which would let any client choose its address, saying what to set instead', () => {
    for (const value of ['true', 'TRUE'])
      expect(() => loadConfig(GatewayConfig, { TRUST_PROXY: value })).toThrow(
        'TRUST_PROXY is invalid: true would believe any X-Forwarded-For a client sends: give the number of proxies in front of the gateway (e.g. 1) or their addresses/subnets (e.g. 10.0.0.0/8)',
      );
  });

  it('refuses caches longer than 5 s: the revocation promise depends on it', () => {
    expect(() => loadConfig(GatewayConfig, { API_KEY_CACHE_TTL_MS: '60000' })).toThrow(
      'API_KEY_CACHE_TTL_MS must be an integer between 0 and 5000 (milliseconds) (got "60000")',
    );
    expect(() => loadConfig(GatewayConfig, { PRINCIPAL_CACHE_TTL_MS: '5001' })).toThrow('PRINCIPAL_CACHE_TTL_MS');
  });

  it('needs JWT_KEYS in distributed mode, and a well-formed one', () => {
    const distributed = { AMQP_URL: 'amqp://127.0.0.1', DATABASE_URL: 'postgres://127.0.0.1/vigil' };
    expect(() => loadConfig(GatewayConfig, distributed)).toThrow('JWT_KEYS is required when VIGIL_MODE is distributed');
    expect(loadConfig(GatewayConfig, { ...distributed, JWT_KEYS: KEYS }).JWT_KEYS).toBe(KEYS);
    expect(() => loadConfig(GatewayConfig, { JWT_KEYS: 'k1:short' })).toThrow(
      'JWT_KEYS is invalid: JWT_KEYS key "k1" is shorter than 32 bytes',
    );
  });

  it('takes the common variables as the runtime resolved them, its own from the environment', () => {
    const common = loadConfig(CommonConfig, { VIGIL_DATA_DIR: '/tmp/resolved', PORT: '0' });
    const config = gatewayConfigFrom(common, { VIGIL_DATA_DIR: '/elsewhere', RATE_LIMIT_PER_KEY_PER_MIN: '5' });
    expect(config.VIGIL_DATA_DIR).toBe('/tmp/resolved');
    expect(config.PORT).toBe(0);
    expect(config.RATE_LIMIT_PER_KEY_PER_MIN).toBe(5);
  });
});
