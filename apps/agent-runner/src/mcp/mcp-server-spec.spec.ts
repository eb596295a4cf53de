import type { McpServerSpec } from './mcp-server-spec.js';
import { validateMcpServerSpecs } from './mcp-server-spec.js';

describe('validateMcpServerSpecs', () => {
  it('accepts stdio and http servers', () => {
    expect(() =>
      validateMcpServerSpecs([
        { name: 'vigil-tools', transport: 'stdio', command: 'node', args: ['tools.js'] },
        { name: 'k8s', transport: 'http', url: 'https://mcp.example/mcp', headers: { A: 'b' }, timeoutMs: 20000 },
      ]),
    ).not.toThrow();
  });

  it.each<[string, McpServerSpec[], string]>([
    ['an empty name', [{ name: ' ', transport: 'stdio', command: 'node' }], 'mcpServers. .name must not be empty'],
    [
      'a name used twice',
      [
        { name: 'a', transport: 'stdio', command: 'node' },
        { name: 'a', transport: 'http', url: 'http://x' },
      ],
      'mcpServers.a: the name is used twice',
    ],
    ['an empty command', [{ name: 'a', transport: 'stdio', command: '' }], 'mcpServers.a.command must not be empty'],
    ['a bad url', [{ name: 'k8s', transport: 'http', url: 'not a url' }], 'mcpServers.k8s.url is not a URL: not a url'],
    [
      'a url that is not http',
      [{ name: 'k8s', transport: 'http', url: 'ftp://x/mcp' }],
      'mcpServers.k8s.url must be http or https, not ftp:',
    ],
    [
      'a zero timeout',
      [{ name: 'k8s', transport: 'http', url: 'http://x', timeoutMs: 0 }],
      'mcpServers.k8s.timeoutMs must be a positive number of milliseconds',
    ],
    [
      'an unknown transport',
      [{ name: 'k8s', transport: 'sse', url: 'http://x' } as unknown as McpServerSpec],
      'mcpServers.k8s.transport must be stdio or http',
    ],
  ])('refuses %s, naming the key', (_, specs, message) => {
    expect(() => validateMcpServerSpecs(specs)).toThrow(new Error(message));
  });
});
