// The running system with a protocol-level OpenAI server and two tenants, as the agent runner's
// system suites use it, and the helpers they share: an agents file, an alert posted to the gateway,
// a session's events.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Envelope } from '@vigil/contracts';
import {
  call,
  createTestTenant,
  FakeOpenAI,
  login,
  RELAXED_RATE_LIMITS,
  TestHarness,
  type Answer,
  type Auth,
  type ChatReply,
  type RecordedChatRequest,
  type TestTenant,
} from '@vigil/testing';

export type Event = Envelope<Record<string, unknown>>;

/** Writes an agents file of these lines into `dir`; returns its path. */
export function writeAgentsFile(dir: string, lines: readonly string[], name = 'agents.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** The session's own events (agent.session.* and the interactions), by sequence; not the request that queued it. */
export function sessionEventsOf(system: TestHarness, sessionId: string): Event[] {
  return system.events
    .filter(
      (e) =>
        e.type.startsWith('agent.') && e.type !== 'agent.investigation.requested' && e.payload.sessionId === sessionId,
    )
    .sort((x, y) => Number(x.payload.sequence) - Number(y.payload.sequence));
}

export interface ModelSystem {
  system: TestHarness;
  fake: FakeOpenAI;
  /** Tenants `<prefix>-a-…` and `<prefix>-b-…`, each with its users and keys. */
  a: TestTenant;
  b: TestTenant;
  api<T = Record<string, unknown>>(method: string, route: string, auth: Auth, body?: unknown): Promise<Answer<T>>;
  /** Posts one alert to the gateway with the tenant's alerts:write key; returns its id (202 expected). */
  postAlert(tenant: TestTenant, alert: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * All six services (TestHarness.system) answered by `respond` as their OpenAI-compatible model, with
 * the agents file of `agents` lines, watching agent.* and alert.analysed, and two new tenants.
 */
export async function startModelSystem(options: {
  respond(request: RecordedChatRequest): ChatReply | Promise<ChatReply>;
  agents: readonly string[];
  tenantPrefix: string;
  env?: Record<string, string>;
}): Promise<ModelSystem> {
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
  const dir = mkdtempSync(path.join(tmpdir(), `vigil-${options.tenantPrefix}-`));
  const fake = (await FakeOpenAI.start({ apiKey: 'sk-test' })).respondWith((request) => options.respond(request));
  const system = await TestHarness.system({
    env: {
      ...RELAXED_RATE_LIMITS,
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'sk-test',
      LLM_MODEL: 'gpt-test',
      AGENTS_CONFIG: writeAgentsFile(dir, options.agents),
      ...options.env,
    },
    watch: ['agent.#', 'alert.analysed'],
  });
  const platform: Auth = {
    bearer: (await login(system.url, system.admin.email, system.admin.password)).access_token,
  };
  const [a, b] = await Promise.all([
    createTestTenant(system.url, platform, `${options.tenantPrefix}-a-${run}`),
    createTestTenant(system.url, platform, `${options.tenantPrefix}-b-${run}`),
  ]);
  const api = <T = Record<string, unknown>>(method: string, route: string, auth: Auth, body?: unknown) =>
    call<T>(system.url, method, route, { auth, body });
  return {
    system,
    fake,
    a: a!,
    b: b!,
    api,
    async postAlert(tenant, alert) {
      const answer = await api<{ ids: string[] }>(
        'POST',
        '/api/v1/alerts',
        { apiKey: tenant.keys['alerts:write']!.key },
        [alert],
      );
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 202 });
      return answer.body.ids[0]!;
    },
    async close() {
      await system.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
