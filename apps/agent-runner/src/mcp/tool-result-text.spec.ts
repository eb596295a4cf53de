import { describeError, toolResultText } from './tool-result-text.js';

describe('toolResultText', () => {
  it('joins text parts and describes the others', () => {
    expect(
      toolResultText([
        { type: 'text', text: 'pods:' },
        { type: 'image', mimeType: 'image/png', data: Buffer.from('abcd').toString('base64') },
        { type: 'audio', mimeType: 'audio/wav', data: Buffer.from('ab').toString('base64') },
        { type: 'resource', resource: { uri: 'file:///log.txt', mimeType: 'text/plain', text: 'line 1' } },
        { type: 'resource', resource: { uri: 'file:///core', mimeType: 'application/octet-stream', blob: 'AAAA' } },
        { type: 'resource_link', uri: 'https://runbooks/disk', name: 'disk' },
        { type: 'hologram' },
      ]),
    ).toBe(
      [
        'pods:',
        '[image image/png, 4 bytes]',
        '[audio audio/wav, 2 bytes]',
        'line 1',
        '[resource file:///core application/octet-stream, 3 bytes]',
        '[resource link https://runbooks/disk]',
        '[hologram content]',
      ].join('\n'),
    );
  });

  it('gives structured content as JSON when there are no parts', () => {
    expect(toolResultText([], { replicas: 3 })).toBe('{"replicas":3}');
    expect(toolResultText(undefined)).toBe('');
  });
});

describe('describeError', () => {
  it('names the socket error hidden in the causes', () => {
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 9,
    });
    expect(describeError(new TypeError('fetch failed', { cause: socket }))).toBe('connection refused (127.0.0.1:9)');
    expect(describeError(Object.assign(new Error('spawn nope ENOENT'), { code: 'ENOENT', path: 'nope' }))).toBe(
      'command not found (nope)',
    );
  });

  it('joins the messages otherwise', () => {
    expect(describeError(new Error('handshake failed', { cause: new Error('bad reply') }))).toBe(
      'handshake failed: bad reply',
    );
    expect(describeError('plain')).toBe('plain');
    expect(describeError(undefined)).toBe('unknown error');
  });
});
