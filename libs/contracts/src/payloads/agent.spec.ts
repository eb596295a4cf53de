import { validateAs } from '../registry.js';
import { AgentLlmInteraction, AgentMcpInteraction } from './agent.js';

const step = {
  sequence: 1,
  sessionId: '0192f0c1-0000-7000-8000-000000000001',
  interactionId: '0192f0c1-0000-7000-8000-000000000002',
  durationMs: 120,
  success: true,
  stepDescription: 'looked at the pod',
  timestamp: '2026-11-22T08:35:53.208031Z',
};

/** The fields a validation refused, sorted, each once. */
function refusedFields(result: ReturnType<typeof validateAs>): string[] {
  if (result.ok) return [];
  return [...new Set(result.problems.map((problem) => problem.split(':')[0]!))].sort();
}

describe('agent interactions', () => {
  it('validates the fields every step shares and those of its own kind', () => {
    const llm = { ...step, model: 'gpt', messages: [{ role: 'user', content: 'hi' }] };
    const mcp = { ...step, serverName: 'kubernetes', communicationType: 'tool_call', toolName: 'get_pods' };
    expect(validateAs(AgentLlmInteraction, llm)).toMatchObject({ ok: true });
    expect(validateAs(AgentMcpInteraction, mcp)).toMatchObject({ ok: true });

    const { sessionId: _session, ...noSession } = llm;
    expect(refusedFields(validateAs(AgentLlmInteraction, { ...noSession, durationMs: -1 }))).toEqual([
      'durationMs',
      'sessionId',
    ]);
    expect(
      refusedFields(validateAs(AgentMcpInteraction, { ...mcp, communicationType: 'chat', stepDescription: 7 })),
    ).toEqual(['communicationType', 'stepDescription']);
  });
});
