import { lookup } from 'node:dns/promises';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { answer, DEFAULT_TIMEOUT_MS, isHostOrAddress, timeoutMsSchema } from './common.js';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV', 'SOA', 'CAA', 'PTR'] as const;
type RecordType = (typeof RECORD_TYPES)[number];
// Many servers answer a real ANY query with almost nothing (RFC 8482), so ANY asks for these one by one.
const ANY_TYPES: RecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA'];

export const dnsLookupInput = {
  name: z
    .string()
    .refine(isHostOrAddress, 'must be a DNS name such as example.com, or an IP address for PTR')
    .describe('The DNS name to look up (an IP address for PTR)'),
  type: z
    .enum([...RECORD_TYPES, 'ANY', 'SYSTEM'])
    .optional()
    .describe(
      'Record type, default A. ANY asks for A, AAAA, CNAME, MX, TXT, NS and SOA. SYSTEM resolves the way ' +
        "this host's programs do (hosts file, search domains, then DNS) and gives the addresses",
    ),
  timeoutMs: timeoutMsSchema,
};

export const DNS_LOOKUP_DESCRIPTION =
  'Looks up DNS records of a name with the DNS servers of the host the tools run on: A, AAAA, CNAME, MX, ' +
  'TXT, NS, SRV, SOA, CAA, PTR, ANY (several types at once) or SYSTEM (as local programs resolve it). ' +
  'No such name, no records of the type and timeouts are reported with their code.';

type DnsLookupArgs = { name: string; type?: RecordType | 'ANY' | 'SYSTEM' | undefined; timeoutMs?: number | undefined };

const MEANING: Record<string, string> = {
  ENOTFOUND: 'no such name',
  ENODATA: 'the name has no records of this type',
  ETIMEOUT: 'the DNS server did not answer in time',
  ECANCELLED: 'the DNS server did not answer in time',
  ESERVFAIL: 'the DNS server failed to answer (SERVFAIL)',
  EREFUSED: 'the DNS server refused the query',
  ECONNREFUSED: 'no DNS server could be reached',
  EAI_AGAIN: 'the name could not be resolved now (temporary failure)',
};

/** The records of `name`, within the time limit. */
export async function lookupDns(args: DnsLookupArgs): Promise<CallToolResult> {
  const type = args.type ?? 'A';
  const timeoutMs = args.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const name = args.name.replace(/^\[|\]$/g, '');
  const resolver = new Resolver({ timeout: Math.ceil(timeoutMs / 2), tries: 2 });
  // Cancelling fails every pending query with ECANCELLED, which reads as a timeout.
  const timer = setTimeout(() => resolver.cancel(), timeoutMs);
  try {
    if (type === 'SYSTEM') {
      const records = await withDeadline(lookup(name, { all: true, order: 'verbatim' }), timeoutMs);
      return answer({ name, type, records });
    }
    if (type === 'ANY') {
      const settled = await Promise.allSettled(ANY_TYPES.map((each) => query(resolver, name, each)));
      const records = Object.fromEntries(
        settled.flatMap((result, i) => (result.status === 'fulfilled' ? [[ANY_TYPES[i]!, result.value]] : [])),
      );
      if (Object.keys(records).length > 0) return answer({ name, type, records });
      const failures = settled.map((result) => (result as PromiseRejectedResult).reason as NodeJS.ErrnoException);
      // Every type empty means the name exists with none of them; otherwise the first real failure says why.
      throw failures.find((error) => error.code !== 'ENODATA') ?? failures[0];
    }
    return answer({ name, type, records: await query(resolver, name, type) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    return answer({ name, type, error: { code, message: MEANING[code] ?? (error as Error).message } });
  } finally {
    clearTimeout(timer);
  }
}

function query(resolver: Resolver, name: string, type: RecordType): Promise<unknown> {
  if (type === 'PTR' && isIP(name)) return resolver.reverse(name);
  return resolver.resolve(name, type);
}

function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
