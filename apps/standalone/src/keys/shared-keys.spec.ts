import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JwtKeyring, SecretBox } from '@vigil/auth';
import { writeSharedKeys } from './shared-keys.js';

describe('writeSharedKeys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vigil-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a JWT key and a secrets key the services accept, readable by their owner only', () => {
    const written = writeSharedKeys(path.join(dir, 'keys'));
    expect(written.map((k) => [k.variable, path.basename(k.path), k.created])).toEqual([
      ['JWT_KEYS', 'jwt-keys', true],
      ['SECRETS_KEY', 'secrets-key', true],
    ]);
    const jwt = readFileSync(written[0]!.path, 'utf8').trim();
    const secrets = readFileSync(written[1]!.path, 'utf8').trim();
    expect(() => JwtKeyring.parse(jwt)).not.toThrow();
    expect(() => SecretBox.parse(secrets)).not.toThrow();
    expect(statSync(written[0]!.path).mode & 0o777).toBe(0o600);
    expect(statSync(written[1]!.path).mode & 0o777).toBe(0o600);
  });

  it('keeps the keys already there, so a restart changes nothing', () => {
    const first = writeSharedKeys(dir).map((k) => readFileSync(k.path, 'utf8'));
    const again = writeSharedKeys(dir);
    expect(again.map((k) => k.created)).toEqual([false, false]);
    expect(again.map((k) => readFileSync(k.path, 'utf8'))).toEqual(first);
  });

  it('generates different keys for different deployments', () => {
    const a = writeSharedKeys(path.join(dir, 'a')).map((k) => readFileSync(k.path, 'utf8'));
    const b = writeSharedKeys(path.join(dir, 'b')).map((k) => readFileSync(k.path, 'utf8'));
    expect(a[0]).not.toBe(b[0]);
    expect(a[1]).not.toBe(b[1]);
  });
});
