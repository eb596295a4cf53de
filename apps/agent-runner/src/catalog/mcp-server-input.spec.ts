import { parseAllowedCidrs } from '../safety/index.js';
import { headersProblem, urlProblem } from './mcp-server-input.js';

describe('urlProblem', () => {
  it.each(['https://mcp.example.com/mcp', 'http://93.184.215.14:8080/mcp', 'https://[2606:4700::1111]/mcp'])(
    'accepts %s',
    (url) => {
      expect(urlProblem(url, [])).toBeNull();
    },
  );

  it.each([
    ['not a url', 'url: must be an absolute http or https URL'],
    ['ftp://mcp.example.com/', 'url: must be http or https, not ftp'],
    ['file:///etc/passwd', 'url: must be http or https, not file'],
    ['https://user:pw@mcp.example.com/', 'url: must not carry a user name or password (send them as a header)'],
    ['http://127.0.0.1:8080/mcp', 'url: 127.0.0.1 is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it'],
    [
      'http://169.254.169.254/latest',
      'url: 169.254.169.254 is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
    ],
    ['http://10.1.2.3/', 'url: 10.1.2.3 is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it'],
    ['http://[::1]/', 'url: ::1 is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it'],
    [
      'http://[::ffff:10.0.0.1]/',
      'url: ::ffff:a00:1 is not a public address; add it to TOOLS_ALLOWED_CIDRS to allow it',
    ],
    ['http://localhost:3000/', "url: localhost is the local host, which tenants' servers may not be"],
  ])('refuses %s', (url, problem) => {
    expect(urlProblem(url, [])).toEqual({ field: 'url', problem });
  });

  it('accepts a private address the allow-list contains, and only that range', () => {
    const allowed = parseAllowedCidrs('10.0.0.0/8');
    expect(urlProblem('http://10.1.2.3/mcp', allowed)).toBeNull();
    expect(urlProblem('http://192.168.1.1/mcp', allowed)?.field).toBe('url');
  });
});

describe('headersProblem', () => {
  it('accepts string values under valid names', () => {
    expect(headersProblem({ Authorization: 'Bearer x', 'X-Tenant': 'a' })).toBeNull();
    expect(headersProblem({})).toBeNull();
  });

  it.each([
    ['a bad name', { 'bad name': 'x' }, 'headers: "bad name" is not a header name'],
    ['Host', { Host: 'evil' }, 'headers: Host is set by the MCP client and may not be given'],
    [
      'the session header',
      { 'Mcp-Session-Id': 'x' },
      'headers: Mcp-Session-Id is set by the MCP client and may not be given',
    ],
    ['a name twice', { 'x-a': 'a', 'X-A': 'b' }, 'headers: X-A is given twice'],
    ['a number', { Authorization: 42 }, 'headers.Authorization: must be a string'],
    [
      'a line break',
      { Authorization: 'a\r\nX-Injected: 1' },
      'headers.Authorization: must not contain line breaks or NUL',
    ],
    ['a long value', { Authorization: 'x'.repeat(8193) }, 'headers.Authorization: at most 8192 characters'],
  ])('refuses %s', (_label, headers, problem) => {
    expect(headersProblem(headers)).toEqual({ field: 'headers', problem });
  });

  it('refuses more than 32 headers', () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-h${i}`, 'v']));
    expect(headersProblem(many)).toEqual({ field: 'headers', problem: 'headers: at most 32, not 33' });
  });
});
