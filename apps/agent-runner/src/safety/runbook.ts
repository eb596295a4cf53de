import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { isPublicAddress, type Cidr } from '@vigil/netguard';

export type RunbookFailure =
  'invalid_url' | 'refused_address' | 'dns' | 'timeout' | 'too_large' | 'status' | 'too_many_redirects' | 'network';

export type RunbookResult =
  | { ok: true; text: string; source: 'inline' | 'url'; url?: string; cached: boolean }
  | { ok: false; reason: RunbookFailure; message: string; url: string };

export interface RunbookOptions {
  /** For the whole fetch, redirects included. Default 5000. */
  timeoutMs?: number;
  /** Largest body accepted, in bytes. Default 256 KiB. */
  maxBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Non-public addresses a runbook may be fetched from (`TOOLS_ALLOWED_CIDRS`). */
  allowedCidrs?: readonly Cidr[];
  /** Where fetched runbooks are kept; default one shared by the process. */
  cache?: RunbookCache;
}

const DEFAULTS = { timeoutMs: 5000, maxBytes: 256 * 1024, maxRedirects: 5 };

/** Fetched runbooks by URL, each kept for `ttlMs`; failures are not kept, so a fixed server is seen at once. */
export class RunbookCache {
  private readonly entries = new Map<string, { text: string; expires: number }>();

  constructor(
    readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 500,
  ) {}

  get(url: string): string | undefined {
    const entry = this.entries.get(url);
    if (!entry) return undefined;
    if (entry.expires > this.now()) return entry.text;
    this.entries.delete(url);
    return undefined;
  }

  set(url: string, text: string): void {
    this.entries.delete(url);
    this.entries.set(url, { text, expires: this.now() + this.ttlMs });
    // A Map iterates in insertion order: the first key is the oldest.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

const sharedCache = new RunbookCache();

class RunbookError extends Error {
  constructor(
    readonly reason: RunbookFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An alert's runbook as text. Inline text (anything that is not an http(s) URL) is returned as it is.
 * A URL is fetched — alert data comes from webhooks, so this is an SSRF boundary: every address the
 * host resolves to must be public (or allowed), the connection goes to the address that was checked,
 * redirects are followed by hand with each hop checked, and the time and size are capped. Failures
 * are values saying why, never thrown.
 */
export async function fetchRunbook(urlOrText: string, options: RunbookOptions = {}): Promise<RunbookResult> {
  const text = urlOrText.trim();
  if (!/^https?:\/\//i.test(text)) return { ok: true, text: urlOrText, source: 'inline', cached: false };
  const cache = options.cache ?? sharedCache;
  const hit = cache.get(text);
  if (hit !== undefined) return { ok: true, text: hit, source: 'url', url: text, cached: true };

  const settings = { ...DEFAULTS, ...options, allowedCidrs: options.allowedCidrs ?? [] };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  let current = text;
  try {
    for (let hop = 0; ; hop++) {
      const answer = await get(current, settings, controller.signal);
      if ('redirect' in answer) {
        if (hop >= settings.maxRedirects)
          throw new RunbookError('too_many_redirects', `more than ${settings.maxRedirects} redirects`);
        current = answer.redirect;
        continue;
      }
      cache.set(text, answer.body);
      return { ok: true, text: answer.body, source: 'url', url: text, cached: false };
    }
  } catch (error) {
    if (controller.signal.aborted)
      return {
        ok: false,
        reason: 'timeout',
        message: `no complete answer within ${settings.timeoutMs} ms`,
        url: current,
      };
    if (error instanceof RunbookError) return { ok: false, reason: error.reason, message: error.message, url: current };
    return { ok: false, reason: 'network', message: (error as Error).message, url: current };
  } finally {
    clearTimeout(timer);
  }
}

type Settings = typeof DEFAULTS & { allowedCidrs: readonly Cidr[] };

function get(
  target: string,
  settings: Settings,
  signal: AbortSignal,
): Promise<{ body: string } | { redirect: string }> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return Promise.reject(new RunbookError('invalid_url', `not a URL: ${target}`));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(new RunbookError('invalid_url', `only http and https are fetched, not ${url.protocol}`));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal address is never looked up, so it is checked here; names are checked in lookup().
  if (isIP(host) && !isPublicAddress(host, settings.allowedCidrs))
    return Promise.reject(new RunbookError('refused_address', `${host} is not a public address`));

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(new RunbookError('dns', `${hostname} did not resolve: ${error.code}`), '', 0);
      // Every address must pass, or a name with one public and one private address could be steered.
      const refused = addresses.find((a) => !isPublicAddress(a.address, settings.allowedCidrs));
      if (refused)
        return callback(
          new RunbookError('refused_address', `${hostname} resolves to ${refused.address}, not a public address`),
          '',
          0,
        );
      if (lookupOptions.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).get(
      url,
      { lookup, signal, headers: { accept: 'text/*, application/json;q=0.9, */*;q=0.5' }, agent: false },
      (response) => {
        const status = response.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status) && response.headers.location) {
          response.resume();
          return resolve({ redirect: new URL(response.headers.location, url).toString() });
        }
        if (status < 200 || status > 299) {
          response.resume();
          return reject(new RunbookError('status', `the server answered ${status}`));
        }
        const declared = Number(response.headers['content-length']);
        if (declared > settings.maxBytes) {
          response.destroy();
          return reject(new RunbookError('too_large', `${declared} bytes, over the ${settings.maxBytes} byte cap`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > settings.maxBytes) {
            response.destroy();
            return reject(new RunbookError('too_large', `over the ${settings.maxBytes} byte cap`));
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}
