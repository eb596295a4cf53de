import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AddressRefusedError, resolvePublic, ResolveError, type Cidr } from '@vigil/netguard';
import { z } from 'zod';
import { answer, DEFAULT_TIMEOUT_MS, failureKindOf, msSince, timeoutMsSchema, toolError } from './common.js';

export const httpCheckInput = {
  url: z
    .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// URL' })
    .max(2048)
    .describe('The http:// or https:// URL to check, e.g. https://api.example.com/healthz'),
  method: z.enum(['GET', 'HEAD']).optional().describe('GET (default) or HEAD; the body is never downloaded'),
  timeoutMs: timeoutMsSchema,
};

export const HTTP_CHECK_DESCRIPTION =
  'Checks an HTTP(S) endpoint once: status code, time to the response headers, the redirect location ' +
  '(redirects are reported, not followed: check the location with another call), and for https the ' +
  "certificate's subject, issuer, expiry and days left, and whether it is trusted for the host. " +
  'A failure (name not found, connection refused, timeout, TLS error) is reported with its kind. ' +
  'Private, loopback and link-local addresses are refused unless TOOLS_ALLOWED_CIDRS allows them.';

type HttpCheckArgs = { url: string; method?: 'GET' | 'HEAD' | undefined; timeoutMs?: number | undefined };

class Timeout extends Error {}

/** One request to `url`, to the address that was checked, never following redirects. */
export async function checkHttp(args: HttpCheckArgs, allowedCidrs: readonly Cidr[]): Promise<CallToolResult> {
  const url = new URL(args.url);
  const method = args.method ?? 'GET';
  const timeoutMs = args.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let target;
  try {
    target = await resolvePublic(hostname, allowedCidrs, { timeoutMs });
  } catch (error) {
    if (error instanceof AddressRefusedError) return toolError(`http_check refused ${url.href}: ${error.message}`);
    if (error instanceof ResolveError)
      return answer({
        url: url.href,
        method,
        error: { kind: error.code === 'ETIMEOUT' ? 'timeout' : 'dns', message: error.message },
      });
    throw error;
  }
  const dnsMs = msSince(started);
  const base = { url: url.href, method, address: target.address };
  const remainingMs = Math.max(1, timeoutMs - (performance.now() - started));

  return new Promise<CallToolResult>((resolve) => {
    const sent = performance.now();
    const request = (url.protocol === 'https:' ? https : http).request({
      host: target.address,
      family: target.family,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method,
      headers: { host: url.host, 'user-agent': 'vigil-tools http_check', accept: '*/*' },
      agent: false,
      // The certificate is read and judged below, so an untrusted one is reported rather than a bare failure.
      rejectUnauthorized: false,
      ...(url.protocol === 'https:' && !isIP(hostname) && { servername: hostname }),
    });
    const timer = setTimeout(() => request.destroy(new Timeout()), remainingMs);
    request.on('response', (response) => {
      clearTimeout(timer);
      const latencyMs = msSince(sent);
      const location = response.headers.location;
      const tls = url.protocol === 'https:' ? certificateOf(response.socket as TLSSocket, hostname) : undefined;
      response.destroy();
      resolve(
        answer({
          ...base,
          status: response.statusCode,
          statusText: response.statusMessage,
          latencyMs,
          dnsMs,
          ...(location && { location: new URL(location, url).href, redirect: 'not followed' }),
          contentType: response.headers['content-type'],
          ...(tls && { tls }),
        }),
      );
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve(
        answer({
          ...base,
          error:
            error instanceof Timeout
              ? { kind: 'timeout', message: `no response within ${timeoutMs} ms` }
              : { kind: failureKindOf(error), message: error.message },
        }),
      );
    });
    request.end();
  });
}

function certificateOf(socket: TLSSocket, hostname: string) {
  const certificate: PeerCertificate = socket.getPeerCertificate();
  if (!certificate || Object.keys(certificate).length === 0) return { protocol: socket.getProtocol() };
  const validTo = new Date(certificate.valid_to);
  // `authorized` covers the chain; the name check is repeated here so an IP target is judged by its IP SANs too.
  const identityProblem = checkServerIdentity(hostname, certificate);
  const problem = socket.authorizationError ?? identityProblem?.message;
  return {
    protocol: socket.getProtocol(),
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    subjectAltName: certificate.subjectaltname,
    validFrom: new Date(certificate.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    daysLeft: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
    trusted: socket.authorized && !identityProblem,
    ...(problem && { problem: String(problem) }),
  };
}

function distinguishedName(name: object | undefined): string | undefined {
  if (!name) return undefined;
  return Object.entries(name as Record<string, string | string[]>)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}
