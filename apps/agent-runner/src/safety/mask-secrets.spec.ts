import { maskSecrets } from './mask-secrets.js';

describe('maskSecrets', () => {
  it('keeps the armour of a private key and drops its body', () => {
    const pem = [
      'key:',
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun',
      'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK',
      '-----END RSA PRIVATE KEY-----',
      'done',
    ].join('\n');
    expect(maskSecrets(pem)).toBe(
      'key:\n-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\ndone',
    );
    expect(maskSecrets('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----')).toBe(
      '-----BEGIN PRIVATE KEY-----\n[REDACTED]\n-----END PRIVATE KEY-----',
    );
  });

  it('masks bearer and basic authorization, keeping the scheme', () => {
    expect(maskSecrets('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_123')).toBe(
      'Authorization: Bearer [REDACTED]',
    );
    expect(maskSecrets('curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" https://x')).toBe(
      'curl -H "Authorization: Basic [REDACTED]" https://x',
    );
  });

  it('masks an authorization header of any scheme, keeping the scheme', () => {
    expect(maskSecrets('Authorization: ApiKey 0123456789abcdef')).toBe('Authorization: ApiKey [REDACTED]');
    expect(maskSecrets('{"authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2026"}')).toBe(
      '{"authorization": "AWS4-HMAC-SHA256 [REDACTED]"}',
    );
    expect(maskSecrets('proxy-authorization=abcdefgh12345')).toBe('proxy-authorization=[REDACTED]');
  });

  it('masks tokens by their shape wherever they stand, and leaves look-alikes', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const shapes = [
      jwt,
      'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8',
      'github_pat_' + '11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz',
      'xoxb-' + '1234567890-0987654321-AbCdEfGhIjKlMnOp',
      'sk-proj-' + 'AbCdEf0123456789GhIjKl_mnop',
      'sk-' + 'abcdefghijklmnopqrstuvwxyz012345',
      'sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc',
      'AIza' + 'SyD-abcdefghijklmnopqrstuvwxyz01234',
      'vgk_' + 'ab12cd34_' + 'Q'.repeat(43),
    ];
    for (const token of shapes) {
      expect(maskSecrets(`token in the log: ${token} (end)`)).toBe('token in the log: [REDACTED] (end)');
      expect(maskSecrets(JSON.stringify({ note: token }))).toBe(JSON.stringify({ note: '[REDACTED]' }));
    }
    // Words and ids that only resemble them stay.
    for (const text of [
      'task-1234567890123456789012345',
      'the sk-8 cluster',
      'ghp_short',
      'xoxo-gossip',
      'mask-proj-a',
    ])
      expect(maskSecrets(text)).toBe(text);
  });

  it('masks the password of a connection string, keeping scheme, user and host', () => {
    expect(maskSecrets('DATABASE_URL=postgres://vigil:s3cr3t!@db.internal:5432/vigil')).toBe(
      'DATABASE_URL=postgres://vigil:[REDACTED]@db.internal:5432/vigil',
    );
    expect(maskSecrets('amqp://guest:guest@rabbit:5672 and redis://:hunter2@cache:6379/0')).toBe(
      'amqp://guest:[REDACTED]@rabbit:5672 and redis://:[REDACTED]@cache:6379/0',
    );
    expect(maskSecrets('see https://example.com/path@v2')).toBe('see https://example.com/path@v2');
  });

  it('masks AWS access key ids', () => {
    expect(maskSecrets('id AKIAIOSFODNN7EXAMPLE in use')).toBe('id [REDACTED] in use');
  });

  it('masks secret-named pairs in env, YAML and JSON, keeping the key', () => {
    expect(maskSecrets('DB_PASSWORD=hunter2 LOG_LEVEL=info')).toBe('DB_PASSWORD=[REDACTED] LOG_LEVEL=info');
    expect(maskSecrets('api_key: "abc123"\nregion: eu-west-1')).toBe('api_key: [REDACTED]\nregion: eu-west-1');
    expect(maskSecrets("client_secret='xyz'")).toBe('client_secret=[REDACTED]');
    expect(maskSecrets('?access_token=abc&page=2')).toBe('?access_token=[REDACTED]&page=2');
    expect(
      maskSecrets('{"user":"ann","password":"p\\"w","apiKey":"k1","x-api-key":"k2","private_key":"k3","n":1}'),
    ).toBe(
      '{"user":"ann","password":"[REDACTED]","apiKey":"[REDACTED]","x-api-key":"[REDACTED]","private_key":"[REDACTED]","n":1}',
    );
    expect(maskSecrets('passwd=a secret=b token=c AWS_SECRET_ACCESS_KEY=d')).toBe(
      'passwd=[REDACTED] secret=[REDACTED] token=[REDACTED] AWS_SECRET_ACCESS_KEY=[REDACTED]',
    );
  });

  it('leaves harmless text alone, token counters included', () => {
    const text = 'pod api-7f9c restarted 5 times; total_tokens: 42; max_tokens=100; tokenizer ok';
    expect(maskSecrets(text)).toBe(text);
  });

  it('masks every value of a Kubernetes Secret in YAML, keeping the keys', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: Secret',
      'metadata:',
      '  name: db',
      'type: Opaque',
      'data:',
      '  username: dmlnaWw=',
      '  conn: cG9zdGdyZXM6Ly8=',
      '  tls.crt: |',
      '    LS0tLS1CRUdJTiBDRVJU',
      '    SUZJQ0FURS0tLS0tCg==',
      'stringData:',
      '  plain: hello',
      'immutable: false',
    ].join('\n');
    expect(maskSecrets(yaml)).toBe(
      [
        'apiVersion: v1',
        'kind: Secret',
        'metadata:',
        '  name: db',
        'type: Opaque',
        'data:',
        '  username: [REDACTED]',
        '  conn: [REDACTED]',
        '  tls.crt: [REDACTED]',
        '    [REDACTED]',
        '    [REDACTED]',
        'stringData:',
        '  plain: [REDACTED]',
        'immutable: false',
      ].join('\n'),
    );
  });

  it('masks every value of a Kubernetes Secret in JSON', () => {
    const json = JSON.stringify({ kind: 'Secret', metadata: { name: 'db' }, data: { user: 'dmlnaWw=', pw: 'cHc=' } });
    expect(maskSecrets(json)).toBe(
      '{"kind":"Secret","metadata":{"name":"db"},"data":{"user":"[REDACTED]","pw":"[REDACTED]"}}',
    );
  });

  it('leaves the data of other kinds, such as a ConfigMap', () => {
    const yaml = 'kind: ConfigMap\ndata:\n  mode: fast\n';
    expect(maskSecrets(yaml)).toBe(yaml);
  });
});
