import { stringify } from 'yaml';
import { AgentRegistry } from './agent-registry.js';
import { loadAgentsConfig, parseAgentsConfig } from './agents-config.js';

const CONFIG = parseAgentsConfig(
  stringify({
    mcpServers: {
      'vigil-tools': { transport: 'stdio', command: 'node', args: ['tools.js'] },
      k8s: { transport: 'http', url: 'https://mcp.example/mcp', timeoutMs: 20000 },
    },
    agents: [
      { name: 'pods', alertTypes: ['PodCrashLooping'], systemPrompt: 'p', mcpServers: ['k8s'], maxIterations: 3 },
      {
        name: 'kubernetes',
        alertTypes: ['Kube*', 'Pod*', 'disk-?'],
        systemPrompt: 'k',
        mcpServers: ['k8s', 'vigil-tools'],
        model: 'gpt-4o',
      },
      { name: 'general', alertTypes: [], systemPrompt: 'g', mcpServers: ['vigil-tools'] },
    ],
    defaultAgent: 'general',
  }),
  'agents.yaml',
  {},
);

describe('AgentRegistry', () => {
  const registry = new AgentRegistry(CONFIG, { defaultModel: 'llama3' });
  const nameFor = (alertType: string) => registry.agentFor(alertType).name;

  it('gives an alert type to the first agent with a matching glob', () => {
    // Both pods and kubernetes match: the first listed wins.
    expect(nameFor('PodCrashLooping')).toBe('pods');
    expect(nameFor('PodNotReady')).toBe('kubernetes');
    expect(nameFor('KubeletDown')).toBe('kubernetes');
    expect(nameFor('Kube')).toBe('kubernetes');
  });

  it('matches globs anchored, case-sensitively, ? as exactly one character', () => {
    expect(nameFor('disk-a')).toBe('kubernetes');
    expect(nameFor('disk-')).toBe('general');
    expect(nameFor('disk-ab')).toBe('general');
    expect(nameFor('kubeletDown')).toBe('general');
    expect(nameFor('XKubeletDown')).toBe('general');
    expect(nameFor('PodCrashLoopingX')).toBe('kubernetes');
  });

  it('falls back to the default agent for an alert type nothing matches, the empty one included', () => {
    expect(nameFor('HighLatency')).toBe('general');
    expect(nameFor('')).toBe('general');
    expect(registry.defaultAgent.name).toBe('general');
  });

  it('resolves the model, maxIterations and the MCP servers of each agent', () => {
    expect(registry.agent('pods')).toEqual({
      name: 'pods',
      alertTypes: ['PodCrashLooping'],
      systemPrompt: 'p',
      model: 'llama3',
      maxIterations: 3,
      mcpServers: [{ name: 'k8s', transport: 'http', url: 'https://mcp.example/mcp', headers: {}, timeoutMs: 20000 }],
    });
    expect(registry.agent('kubernetes')).toMatchObject({ model: 'gpt-4o', maxIterations: 8 });
    expect(registry.agent('kubernetes')!.mcpServers.map((server) => server.name)).toEqual(['k8s', 'vigil-tools']);
    expect(registry.agent('general')!.mcpServers).toEqual([
      { name: 'vigil-tools', transport: 'stdio', command: 'node', args: ['tools.js'], env: {} },
    ]);
    expect(registry.agent('nobody')).toBeUndefined();
  });

  it('lists the agents in the configuration order', () => {
    expect(registry.agents.map((agent) => agent.name)).toEqual(['pods', 'kubernetes', 'general']);
  });

  it('treats glob syntax other than * and ? as literal text', () => {
    const literal = new AgentRegistry(
      { ...CONFIG, agents: [{ ...CONFIG.agents[2], name: 'odd', alertTypes: ['a.b[c]{d,e}+'] }, CONFIG.agents[2]] },
      { defaultModel: 'm' },
    );
    expect(literal.agentFor('a.b[c]{d,e}+').name).toBe('odd');
    expect(literal.agentFor('aXb[c]{d,e}+').name).toBe('general');
    expect(literal.agentFor('a.bc{d,e}+').name).toBe('general');
    expect(literal.agentFor('a.b[c]d').name).toBe('general');
  });

  it('needs a default model', () => {
    expect(() => new AgentRegistry(CONFIG, { defaultModel: ' ' })).toThrow(
      'AgentRegistry: defaultModel must not be empty',
    );
  });

  it('routes the shipped configuration: Kubernetes alert types to kubernetes, the rest to general', () => {
    const shipped = new AgentRegistry(loadAgentsConfig({}), { defaultModel: 'gpt-4o-mini' });
    expect(
      [
        'KubePodCrashLooping',
        'PodCrashLooping',
        'ContainerOOMKilled',
        'NodeNotReady',
        'kubernetes',
        'disk',
        'HighLatency',
      ].map((type) => shipped.agentFor(type).name),
    ).toEqual(['kubernetes', 'kubernetes', 'kubernetes', 'kubernetes', 'kubernetes', 'general', 'general']);
    expect(shipped.agentFor('disk')).toMatchObject({ model: 'gpt-4o-mini', maxIterations: 8 });
  });
});
