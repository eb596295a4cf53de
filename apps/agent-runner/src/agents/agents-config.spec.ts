import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  AgentsConfigError,
  agentsConfigPath,
  defaultAgentsConfigPath,
  loadAgentsConfig,
  parseAgentsConfig,
} from './agents-config.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A valid configuration to break one key at a time. */
function base(): Record<string, unknown> {
  return {
    mcpServers: {
      'vigil-tools': { transport: 'stdio', command: 'node', args: ['tools.js'] },
      k8s: {
        transport: 'http',
        url: 'https://mcp.example/mcp',
        headers: { Authorization: 'Bearer x' },
        timeoutMs: 20000,
      },
    },
    agents: [
      { name: 'kubernetes', alertTypes: ['Kube*'], systemPrompt: 'k', mcpServers: ['k8s', 'vigil-tools'] },
      { name: 'general', alertTypes: [], systemPrompt: 'g', mcpServers: ['vigil-tools'] },
    ],
    defaultAgent: 'general',
  };
}

function problemsOf(config: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
  const text = typeof config === 'string' ? config : stringify(config);
  try {
    parseAgentsConfig(text, 'agents.yaml', env);
  } catch (error) {
    if (error instanceof AgentsConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

function withAgent(change: Record<string, unknown>, index = 0): Record<string, unknown> {
  const config = base();
  const agents = config.agents as Record<string, unknown>[];
  agents[index] = { ...agents[index], ...change };
  return config;
}

function withServer(name: string, server: unknown): Record<string, unknown> {
  const config = base();
  (config.mcpServers as Record<string, unknown>)[name] = server;
  return config;
}

describe('the shipped default configuration', () => {
  it('is apps/agent-runner/agents.yaml, used when AGENTS_CONFIG is unset or empty', () => {
    expect(defaultAgentsConfigPath()).toBe(path.join(REPO_ROOT, 'apps/agent-runner/agents.yaml'));
    expect(agentsConfigPath({})).toBe(defaultAgentsConfigPath());
    expect(agentsConfigPath({ AGENTS_CONFIG: ' ' })).toBe(defaultAgentsConfigPath());
  });

  it('loads: a kubernetes agent and the general default, both on the built-in vigil-tools server', () => {
    const config = loadAgentsConfig({});
    expect(config.defaultAgent).toBe('general');
    expect(config.mcpServers).toEqual({
      'vigil-tools': { transport: 'stdio', command: 'node', args: ['dist/apps/vigil-tools/src/main.js'], env: {} },
    });
    expect(config.agents.map((agent) => [agent.name, agent.alertTypes, agent.mcpServers, agent.maxIterations])).toEqual(
      [
        ['kubernetes', ['Kube*', 'Pod*', 'Container*', 'Node*', 'kubernetes'], ['vigil-tools'], 8],
        ['general', [], ['vigil-tools'], 8],
      ],
    );
    expect(
      config.agents.every((agent) => agent.model === undefined && agent.systemPrompt.startsWith('You are an SRE')),
    ).toBe(true);
  });
});

describe('loading a file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agents-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file AGENTS_CONFIG names', () => {
    const file = path.join(dir, 'mine.yaml');
    writeFileSync(file, stringify(withAgent({ model: 'llama3' }, 1)));
    const config = loadAgentsConfig({ AGENTS_CONFIG: file });
    expect(config.agents[1]).toEqual({
      name: 'general',
      alertTypes: [],
      systemPrompt: 'g',
      mcpServers: ['vigil-tools'],
      model: 'llama3',
      maxIterations: 8,
    });
  });

  it('names the variable and the file when the file cannot be read', () => {
    const file = path.join(dir, 'missing.yaml');
    expect(() => loadAgentsConfig({ AGENTS_CONFIG: file })).toThrow(
      new AgentsConfigError(file, ['AGENTS_CONFIG: cannot read the file (no such file)']),
    );
    expect(() => loadAgentsConfig({ AGENTS_CONFIG: file })).toThrow(
      `invalid agents configuration ${file}: AGENTS_CONFIG: cannot read the file (no such file)`,
    );
  });
});

describe('a valid configuration', () => {
  it('parses to exactly the declared values, with defaults applied, deeply frozen', () => {
    const config = parseAgentsConfig(stringify(withAgent({ maxIterations: 50, model: 'gpt-4o-mini' })), 'a.yaml', {});
    expect(config).toEqual({
      mcpServers: {
        'vigil-tools': { transport: 'stdio', command: 'node', args: ['tools.js'], env: {} },
        k8s: {
          transport: 'http',
          url: 'https://mcp.example/mcp',
          headers: { Authorization: 'Bearer x' },
          timeoutMs: 20000,
        },
      },
      agents: [
        {
          name: 'kubernetes',
          alertTypes: ['Kube*'],
          systemPrompt: 'k',
          mcpServers: ['k8s', 'vigil-tools'],
          model: 'gpt-4o-mini',
          maxIterations: 50,
        },
        { name: 'general', alertTypes: [], systemPrompt: 'g', mcpServers: ['vigil-tools'], maxIterations: 8 },
      ],
      defaultAgent: 'general',
    });
    expect(Object.isFrozen(config.agents[0].alertTypes)).toBe(true);
    expect(Object.isFrozen(config.mcpServers.k8s)).toBe(true);
  });

  it('keeps the optional stdio keys env and cwd', () => {
    const config = parseAgentsConfig(
      stringify(
        withServer('local', { transport: 'stdio', command: 'npx', args: [], env: { DEBUG: 'mcp' }, cwd: '/srv' }),
      ),
      'a.yaml',
      {},
    );
    expect(config.mcpServers.local).toEqual({
      transport: 'stdio',
      command: 'npx',
      args: [],
      env: { DEBUG: 'mcp' },
      cwd: '/srv',
    });
  });

  it('takes an optional key written with no value as left out', () => {
    const text = stringify(withAgent({ model: null, maxIterations: null })).replace('args:\n      - tools.js', 'args:');
    const config = parseAgentsConfig(text, 'a.yaml', {});
    expect(config.agents[0]).toEqual({
      name: 'kubernetes',
      alertTypes: ['Kube*'],
      systemPrompt: 'k',
      mcpServers: ['k8s', 'vigil-tools'],
      maxIterations: 8,
    });
    expect(config.mcpServers['vigil-tools']).toEqual({ transport: 'stdio', command: 'node', args: [], env: {} });
  });

  it('accepts maxIterations 1, the lower bound', () => {
    expect(parseAgentsConfig(stringify(withAgent({ maxIterations: 1 })), 'a.yaml', {}).agents[0].maxIterations).toBe(1);
  });
});

describe('an invalid configuration names each bad key by its path', () => {
  it.each<[string, unknown, string]>([
    [
      'an unknown MCP server',
      withAgent({ mcpServers: ['k8s', 'k9s'] }, 0),
      'agents[0].mcpServers[1]: unknown MCP server "k9s"',
    ],
    [
      'a server listed twice',
      withAgent({ mcpServers: ['k8s', 'k8s'] }),
      'agents[0].mcpServers[1]: "k8s" is listed twice (also agents[0].mcpServers[0])',
    ],
    [
      'a URL that is not http(s)',
      withServer('k8s', { transport: 'http', url: 'ftp://x/mcp' }),
      'mcpServers.k8s.url: must be an http(s) URL',
    ],
    [
      'a URL that is no URL',
      withServer('k8s', { transport: 'http', url: 'mcp.example' }),
      'mcpServers.k8s.url: must be an http(s) URL',
    ],
    ['a missing URL', withServer('k8s', { transport: 'http' }), 'mcpServers.k8s.url: is required'],
    [
      'a missing transport',
      withServer('k8s', { url: 'https://x' }),
      'mcpServers.k8s.transport: is required (stdio or http)',
    ],
    [
      'an unknown transport',
      withServer('k8s', { transport: 'sse', url: 'https://x' }),
      'mcpServers.k8s.transport: must be stdio or http',
    ],
    [
      'a server that is not a mapping',
      withServer('k8s', 'https://x'),
      'mcpServers.k8s: must be a mapping with a transport (stdio or http)',
    ],
    ['a missing command', withServer('local', { transport: 'stdio' }), 'mcpServers.local.command: is required'],
    [
      'an empty command',
      withServer('local', { transport: 'stdio', command: ' ' }),
      'mcpServers.local.command: must not be empty',
    ],
    [
      'a number among the args',
      withServer('local', { transport: 'stdio', command: 'x', args: ['--port', 8080] }),
      'mcpServers.local.args[1]: must be a string',
    ],
    [
      'an env value that is not a string',
      withServer('local', { transport: 'stdio', command: 'x', env: { DEBUG: true } }),
      'mcpServers.local.env.DEBUG: must be a string (quote numbers and booleans)',
    ],
    [
      'an env name that is no variable name',
      withServer('local', { transport: 'stdio', command: 'x', env: { 'A-B': '1' } }),
      'mcpServers.local.env.A-B: is not a variable name (letters, digits and "_")',
    ],
    [
      'a header name with a space',
      withServer('k8s', { transport: 'http', url: 'https://x', headers: { 'X Token': 'a' } }),
      'mcpServers.k8s.headers["X Token"]: is not a valid HTTP header name',
    ],
    [
      'a timeout of zero',
      withServer('k8s', { transport: 'http', url: 'https://x', timeoutMs: 0 }),
      'mcpServers.k8s.timeoutMs: must be an integer from 1 to 600000',
    ],
    [
      'a stdio key on an http server',
      withServer('k8s', { transport: 'http', url: 'https://x', command: 'node' }),
      'mcpServers.k8s.command: unknown key for transport http (expected one of transport, url, headers, timeoutMs)',
    ],
    [
      'an http key on a stdio server',
      withServer('local', { transport: 'stdio', command: 'node', headers: {} }),
      'mcpServers.local.headers: unknown key for transport stdio (expected one of transport, command, args, env, cwd)',
    ],
    [
      'a server name with a dot',
      withServer('a.b', { transport: 'stdio', command: 'x' }),
      'mcpServers["a.b"]: server name must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
    ],
    [
      'a misspelt agent key',
      withAgent({ maxIteration: 3 }),
      'agents[0].maxIteration: unknown key (expected one of name, alertTypes, systemPrompt, mcpServers, model, maxIterations)',
    ],
    [
      'a misspelt top-level key',
      { ...base(), defaultagent: 'general' },
      'defaultagent: unknown key (expected one of mcpServers, agents, defaultAgent)',
    ],
    [
      'maxIterations above 50',
      withAgent({ maxIterations: 51 }),
      'agents[0].maxIterations: must be an integer from 1 to 50',
    ],
    ['maxIterations of 0', withAgent({ maxIterations: 0 }), 'agents[0].maxIterations: must be an integer from 1 to 50'],
    [
      'a fractional maxIterations',
      withAgent({ maxIterations: 2.5 }),
      'agents[0].maxIterations: must be an integer from 1 to 50',
    ],
    [
      'a quoted maxIterations',
      withAgent({ maxIterations: '8' }),
      'agents[0].maxIterations: must be an integer from 1 to 50',
    ],
    ['a missing systemPrompt', withAgent({ systemPrompt: undefined }), 'agents[0].systemPrompt: is required'],
    ['an empty model', withAgent({ model: '' }), 'agents[0].model: must not be empty'],
    [
      'missing alertTypes',
      withAgent({ alertTypes: undefined }),
      'agents[0].alertTypes: is required (a list, possibly empty)',
    ],
    ['alertTypes as a string', withAgent({ alertTypes: 'Kube*' }), 'agents[0].alertTypes: must be a list of strings'],
    ['an empty glob', withAgent({ alertTypes: ['Kube*', ''] }), 'agents[0].alertTypes[1]: must not be empty'],
    [
      'an agent name with a space',
      withAgent({ name: 'k 8' }),
      'agents[0].name: must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
    ],
    [
      'a duplicate agent name',
      withAgent({ name: 'general' }, 0),
      'agents[1].name: duplicate agent name "general" (also agents[0])',
    ],
    [
      'a default agent that does not exist',
      { ...base(), defaultAgent: 'generic' },
      'defaultAgent: no agent named "generic"',
    ],
    ['no default agent', { ...base(), defaultAgent: undefined }, 'defaultAgent: is required'],
    ['no agents', { ...base(), agents: [] }, 'agents: must be a non-empty list'],
    [
      'mcpServers as a list',
      { ...base(), mcpServers: ['k8s'] },
      'mcpServers: must be a mapping of server names to servers',
    ],
    ['a list for a file', '- a\n- b\n', '(file): must be a mapping with mcpServers, agents and defaultAgent'],
  ])('%s', (_case, config, problem) => {
    expect(problemsOf(config)).toEqual([problem]);
  });

  it('lists several problems together in one message', () => {
    const config = withAgent({ mcpServers: ['k9s'] }, 1);
    config.defaultAgent = 'generic';
    (config.mcpServers as Record<string, unknown>).k8s = { transport: 'http', url: 'k8s.local' };
    const text = stringify(config);
    expect(() => parseAgentsConfig(text, 'agents.yaml', {})).toThrow(
      'invalid agents configuration agents.yaml: mcpServers.k8s.url: must be an http(s) URL; ' +
        'agents[1].mcpServers[0]: unknown MCP server "k9s"; defaultAgent: no agent named "generic"',
    );
  });

  it('does not report an agent naming a declared server whose entry is itself broken', () => {
    expect(problemsOf(withServer('k8s', { transport: 'http', url: 'nope' }))).toEqual([
      'mcpServers.k8s.url: must be an http(s) URL',
    ]);
  });

  it('reports YAML syntax errors and repeated keys with their line', () => {
    expect(problemsOf('defaultAgent: a\nagents: [\n')).toEqual([
      'line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(problemsOf('defaultAgent: a\ndefaultAgent: b\n')).toEqual(['line 2, column 1: Map keys must be unique']);
  });
});

describe('${VAR} in string values', () => {
  const withToken = (value: string) =>
    withServer('k8s', { transport: 'http', url: 'https://mcp.example/mcp', headers: { Authorization: value } });

  it('is read from the environment, anywhere in a string and in any string value', () => {
    const config = withToken('Bearer ${K8S_MCP_TOKEN}');
    (config.mcpServers as Record<string, Record<string, unknown>>)['vigil-tools'].args = ['${TOOLS}/main.js'];
    const parsed = parseAgentsConfig(stringify(config), 'a.yaml', { K8S_MCP_TOKEN: 's3cr3t', TOOLS: '/opt/tools' });
    expect(parsed.mcpServers.k8s).toEqual({
      transport: 'http',
      url: 'https://mcp.example/mcp',
      headers: { Authorization: 'Bearer s3cr3t' },
    });
    expect(parsed.mcpServers['vigil-tools']).toMatchObject({ args: ['/opt/tools/main.js'] });
  });

  it('is validated after replacement', () => {
    const config = withServer('k8s', { transport: 'http', url: '${K8S_MCP_URL}' });
    expect(
      parseAgentsConfig(stringify(config), 'a.yaml', { K8S_MCP_URL: 'http://127.0.0.1:9/mcp' }).mcpServers.k8s,
    ).toEqual({
      transport: 'http',
      url: 'http://127.0.0.1:9/mcp',
      headers: {},
    });
    expect(problemsOf(config, { K8S_MCP_URL: 'mcp.local' })).toEqual(['mcpServers.k8s.url: must be an http(s) URL']);
  });

  it('names the key path and the variable when the variable is unset or empty, once per key', () => {
    expect(problemsOf(withToken('Bearer ${K8S_MCP_TOKEN}'))).toEqual([
      'mcpServers.k8s.headers.Authorization: environment variable K8S_MCP_TOKEN is not set',
    ]);
    expect(problemsOf(withServer('k8s', { transport: 'http', url: '${URL}' }), { URL: '' })).toEqual([
      'mcpServers.k8s.url: environment variable URL is not set',
    ]);
  });

  it('stays literal when escaped as $${VAR}, even when the variable is set', () => {
    const parsed = parseAgentsConfig(stringify(withAgent({ systemPrompt: 'Use $${HOME} and ${WHO}' })), 'a.yaml', {
      HOME: '/root',
      WHO: 'you',
    });
    expect(parsed.agents[0].systemPrompt).toBe('Use ${HOME} and you');
  });

  it('leaves a lone $ and $$ alone', () => {
    const parsed = parseAgentsConfig(stringify(withAgent({ systemPrompt: 'costs $5, $$ and $HOME' })), 'a.yaml', {});
    expect(parsed.agents[0].systemPrompt).toBe('costs $5, $$ and $HOME');
  });

  it('refuses a reference that is not a variable name, and an unterminated one', () => {
    expect(problemsOf(withAgent({ systemPrompt: 'a ${1X} b' }))).toEqual([
      'agents[0].systemPrompt: "${1X}" is not a variable name (letters, digits and "_")',
    ]);
    expect(problemsOf(withAgent({ systemPrompt: 'a ${X b' }))).toEqual([
      'agents[0].systemPrompt: unterminated "${" (write "$${" for a literal one)',
    ]);
  });

  it('is never applied to keys', () => {
    const parsed = parseAgentsConfig(
      stringify(withServer('local', { transport: 'stdio', command: 'x', env: { TOKEN: '${T}' } })),
      'a.yaml',
      { T: 'v' },
    );
    expect(parsed.mcpServers.local).toMatchObject({ env: { TOKEN: 'v' } });
    expect(problemsOf(withServer('${T}', { transport: 'stdio', command: 'x' }), { T: 'v' })).toEqual([
      'mcpServers["${T}"]: server name must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit',
    ]);
  });
});
