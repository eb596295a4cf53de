import { loadConfig } from '@vigil/config';
import { GatewayConfig } from '../gateway.config.js';
import { MetricsAccess } from './metrics-access.js';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('MetricsAccess', () => {
  it('lets anyone read when neither variable is set', () => {
    expect(new MetricsAccess({}).refusal('198.51.100.1', undefined)).toBeUndefined();
  });

  it('wants the exact bearer token when METRICS_TOKEN is set', () => {
    const access = new MetricsAccess({ METRICS_TOKEN: TOKEN });
    expect(access.refusal('198.51.100.1', `Bearer ${TOKEN}`)).toBeUndefined();
    expect(access.refusal('198.51.100.1', `bearer  ${TOKEN}`)).toBeUndefined();
    for (const header of [undefined, '', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.toUpperCase()}`, TOKEN, `Basic ${TOKEN}`])
      expect(access.refusal('198.51.100.1', header)).toEqual({
        status: 401,
        message: 'metrics need the bearer token set by METRICS_TOKEN',
      });
  });

  it('serves only the listed addresses when METRICS_ALLOWED_CIDRS is set, IPv4-mapped IPv6 included', () => {
    const access = new MetricsAccess({ METRICS_ALLOWED_CIDRS: '10.0.0.0/8, 192.0.2.7, fd00::/8' });
    for (const ip of ['10.9.8.7', '::ffff:10.0.0.1', '192.0.2.7', 'fd12::1'])
      expect(access.refusal(ip, undefined)).toBeUndefined();
    for (const ip of ['11.0.0.1', '192.0.2.8', 'fe80::1', 'unknown'])
      expect(access.refusal(ip, undefined)).toEqual({
        status: 403,
        message: 'metrics are not served to this client address',
      });
  });

  it('is configured with a token of at least 16 characters and well-formed ranges', () => {
    expect(() => loadConfig(GatewayConfig, { METRICS_TOKEN: 'short' })).toThrow('METRICS_TOKEN');
    expect(() => loadConfig(GatewayConfig, { METRICS_ALLOWED_CIDRS: '10.0.0.0/8, prometheus' })).toThrow(
      'METRICS_ALLOWED_CIDRS is invalid: METRICS_ALLOWED_CIDRS: "prometheus" is not an address or CIDR',
    );
    expect(loadConfig(GatewayConfig, { METRICS_TOKEN: TOKEN, METRICS_ALLOWED_CIDRS: '10.0.0.0/8' })).toMatchObject({
      METRICS_TOKEN: TOKEN,
      METRICS_ALLOWED_CIDRS: '10.0.0.0/8',
    });
  });
});
