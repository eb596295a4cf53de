import net from 'node:net';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AddressRefusedError, resolvePublic, ResolveError, type Cidr } from '@vigil/netguard';
import { z } from 'zod';
import {
  answer,
  DEFAULT_TIMEOUT_MS,
  failureKindOf,
  isHostOrAddress,
  msSince,
  timeoutMsSchema,
  toolError,
} from './common.js';

export const tcpCheckInput = {
  host: z
    .string()
    .refine(isHostOrAddress, 'must be a host name such as db.example.com or an IP address')
    .describe('Host name or IP address to connect to'),
  port: z.number().int().min(1).max(65_535).describe('TCP port, 1 to 65535'),
  timeoutMs: timeoutMsSchema,
};

export const TCP_CHECK_DESCRIPTION =
  'Opens one TCP connection and closes it at once: status open, closed (refused), timeout, unreachable ' +
  'or unresolved, with the connect time. Private, loopback and link-local addresses are refused unless ' +
  'TOOLS_ALLOWED_CIDRS allows them.';

type TcpCheckArgs = { host: string; port: number; timeoutMs?: number | undefined };

const STATUS_OF_KIND: Record<string, string> = {
  connection_refused: 'closed',
  unreachable: 'unreachable',
  connection_reset: 'closed',
};

/** Whether `host:port` accepts a connection, connecting to the address that was checked. */
export async function checkTcp(args: TcpCheckArgs, allowedCidrs: readonly Cidr[]): Promise<CallToolResult> {
  const timeoutMs = args.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();
  let target;
  try {
    target = await resolvePublic(args.host, allowedCidrs, { timeoutMs });
  } catch (error) {
    if (error instanceof AddressRefusedError)
      return toolError(`tcp_check refused ${args.host}:${args.port}: ${error.message}`);
    if (error instanceof ResolveError)
      return answer({
        host: args.host,
        port: args.port,
        status: error.code === 'ETIMEOUT' ? 'timeout' : 'unresolved',
        error: error.message,
      });
    throw error;
  }
  const base = { host: args.host, address: target.address, port: args.port };
  const remainingMs = Math.max(1, timeoutMs - (performance.now() - started));

  return new Promise<CallToolResult>((resolve) => {
    const connectStarted = performance.now();
    const socket = net.connect({ host: target.address, port: args.port, family: target.family });
    const finish = (result: CallToolResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(answer({ ...base, status: 'timeout', error: `no answer within ${timeoutMs} ms` })),
      remainingMs,
    );
    socket.once('connect', () => finish(answer({ ...base, status: 'open', latencyMs: msSince(connectStarted) })));
    socket.once('error', (error) => {
      const kind = failureKindOf(error);
      finish(
        answer({
          ...base,
          status: STATUS_OF_KIND[kind] ?? 'error',
          latencyMs: msSince(connectStarted),
          error: error.message,
        }),
      );
    });
  });
}
