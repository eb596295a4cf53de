import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * A loopback port that refuses connections for the rest of the test run.
 *
 * Releasing a port the system just handed out is not enough: the next `listen(0)` in the same
 * suite (a fake LLM, a tool server) may be given that very port, and the "down" server answers.
 * So the port is chosen below the ephemeral range the system hands out for `listen(0)`, and
 * checked free by binding it once.
 */
export async function refusedPort(): Promise<number> {
  const ephemeralLow = ephemeralRangeStart();
  const low = 10_000;
  const high = Math.max(low + 1_000, ephemeralLow - 1);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await bindsFree(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const value = Number(start);
    return Number.isInteger(value) && value > 11_000 ? value : 32_768;
  } catch {
    return 32_768;
  }
}

function bindsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
