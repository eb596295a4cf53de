import { ToolCatalog } from './tool-catalog.js';

const schema = { type: 'object', properties: { namespace: { type: 'string' } } };

describe('ToolCatalog', () => {
  it('names each tool <server>__<tool> and finds it by that name', () => {
    const catalog = new ToolCatalog([
      { server: 'k8s', tools: [{ name: 'pods_list', description: 'Lists pods', inputSchema: schema }] },
      { server: 'vigil-tools', tools: [{ name: 'http_check', inputSchema: schema }] },
    ]);
    expect(catalog.size).toBe(2);
    expect(catalog.tools.map((tool) => tool.name)).toEqual(['k8s__pods_list', 'vigil-tools__http_check']);
    expect(catalog.find('vigil-tools__http_check')).toEqual({
      name: 'vigil-tools__http_check',
      server: 'vigil-tools',
      tool: 'http_check',
      description: '',
      inputSchema: schema,
    });
    expect(catalog.find('http_check')).toBeUndefined();
  });

  it('keeps two servers’ tools of the same name apart', () => {
    const catalog = new ToolCatalog([
      { server: 'a', tools: [{ name: 'echo', inputSchema: schema }] },
      { server: 'b', tools: [{ name: 'echo', inputSchema: schema }] },
    ]);
    expect(catalog.tools.map((tool) => [tool.name, tool.server])).toEqual([
      ['a__echo', 'a'],
      ['b__echo', 'b'],
    ]);
  });

  it('turns every name into a valid function name, numbering the ones that then collide', () => {
    const catalog = new ToolCatalog([
      {
        server: 'k8s.prod',
        tools: [
          { name: 'pods.list', inputSchema: schema },
          { name: 'pods list', inputSchema: schema },
          { name: 'pods/list', inputSchema: schema },
        ],
      },
    ]);
    expect(catalog.tools.map((tool) => [tool.name, tool.tool])).toEqual([
      ['k8s_prod__pods_list', 'pods.list'],
      ['k8s_prod__pods_list_2', 'pods list'],
      ['k8s_prod__pods_list_3', 'pods/list'],
    ]);
    for (const tool of catalog.tools) expect(tool.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('cuts names to 64 characters and keeps cut names unique', () => {
    const long = 'x'.repeat(80);
    const catalog = new ToolCatalog([
      {
        server: 'srv',
        tools: [
          { name: `${long}a`, inputSchema: schema },
          { name: `${long}b`, inputSchema: schema },
        ],
      },
    ]);
    const [first, second] = catalog.tools;
    expect(first!.name).toBe(`srv__${'x'.repeat(59)}`);
    expect(second!.name).toBe(`srv__${'x'.repeat(57)}_2`);
    expect(second!.name).toHaveLength(64);
    expect(catalog.find(second!.name)!.tool).toBe(`${long}b`);
  });

  it('gives the model object schemas only, and a description that says where the tool lives', () => {
    const catalog = new ToolCatalog([
      {
        server: 'k8s',
        tools: [
          { name: 'plain', description: 'Does it', inputSchema: schema },
          { name: 'bare', inputSchema: undefined as unknown as Record<string, unknown> },
          { name: 'odd', inputSchema: { properties: { n: { type: 'number' } } } },
        ],
      },
    ]);
    expect(catalog.definitions()).toEqual([
      {
        type: 'function',
        function: { name: 'k8s__plain', description: 'Does it (MCP server k8s, tool plain)', parameters: schema },
      },
      {
        type: 'function',
        function: {
          name: 'k8s__bare',
          description: 'bare (MCP server k8s, tool bare)',
          parameters: { type: 'object', properties: {} },
        },
      },
      {
        type: 'function',
        function: {
          name: 'k8s__odd',
          description: 'odd (MCP server k8s, tool odd)',
          parameters: { type: 'object', properties: { n: { type: 'number' } } },
        },
      },
    ]);
  });

  it('keeps a long description within the 1024 characters APIs accept', () => {
    const catalog = new ToolCatalog([
      { server: 'k8s', tools: [{ name: 't', description: 'd'.repeat(2000), inputSchema: schema }] },
    ]);
    expect(catalog.definitions()[0]!.function.description).toBe('d'.repeat(1024));
  });
});
