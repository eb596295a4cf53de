import { createHash, timingSafeEqual } from 'node:crypto';
import { parseAllowedCidrs, type Cidr } from '@vigil/netguard';
import ipaddr from 'ipaddr.js';

export type MetricsRefusal = { status: 401 | 403; message: string } | undefined;

/**
 * Who may read the gateway's /metrics: when METRICS_ALLOWED_CIDRS is set only client addresses in
 * it (403 otherwise), when METRICS_TOKEN is set only requests with `Authorization: Bearer <token>`
 * (401 otherwise); neither set: anyone, as before.
 */
export class MetricsAccess {
  private readonly cidrs: readonly Cidr[];
  private readonly tokenDigest: Buffer | undefined;

  constructor(config: { METRICS_TOKEN?: string; METRICS_ALLOWED_CIDRS?: string }) {
    this.cidrs = parseAllowedCidrs(config.METRICS_ALLOWED_CIDRS, 'METRICS_ALLOWED_CIDRS');
    this.tokenDigest = config.METRICS_TOKEN ? digest(config.METRICS_TOKEN) : undefined;
  }

  refusal(clientAddress: string, authorization: string | undefined): MetricsRefusal {
    if (this.cidrs.length && !inAny(clientAddress, this.cidrs))
      return { status: 403, message: 'metrics are not served to this client address' };
    if (this.tokenDigest) {
      const presented = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '')?.[1];
      // Digests of equal length, compared in constant time: the answer says nothing about the token's length or prefix.
      if (!presented || !timingSafeEqual(digest(presented), this.tokenDigest))
        return { status: 401, message: 'metrics need the bearer token set by METRICS_TOKEN' };
    }
    return undefined;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function inAny(ip: string, cidrs: readonly Cidr[]): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() reads ::ffff:10.0.0.1 as 10.0.0.1, so a mapped address matches its IPv4 range.
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => cidr[0].kind() === address.kind() && address.match(cidr));
}
