import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SECRETS_KEY_FILE, SecretBox } from './secret-box.js';

const key = () => randomBytes(32).toString('base64url');

describe('SecretBox', () => {
  it('opens what it sealed, with a fresh IV each time and the key id in front', () => {
    const box = SecretBox.parse(`k2:${key()},k1:${key()}`);
    const first = box.seal('Bearer s3cret', 'tenant/row');
    const second = box.seal('Bearer s3cret', 'tenant/row');
    expect(first).not.toEqual(second);
    expect(first.startsWith('k2:')).toBe(true);
    expect(first).not.toContain('s3cret');
    expect(box.open(first, 'tenant/row')).toBe('Bearer s3cret');
  });

  it('opens values sealed with an older key after rotation, and names a key it no longer holds', () => {
    const k1 = key();
    const sealed = SecretBox.parse(`k1:${k1}`).seal('token', 'ctx');
    expect(SecretBox.parse(`k2:${key()},k1:${k1}`).open(sealed, 'ctx')).toBe('token');
    expect(() => SecretBox.parse(`k2:${key()}`).open(sealed, 'ctx')).toThrow(
      'the secret was sealed with key "k1", which SECRETS_KEY no longer holds',
    );
  });

  it('refuses a value moved to another record or altered', () => {
    const box = SecretBox.parse(`k1:${key()}`);
    const sealed = box.seal('token', 'tenant-a/1');
    expect(() => box.open(sealed, 'tenant-b/1')).toThrow('does not open with key "k1"');
    const [kid, iv, ciphertext, tag] = sealed.split(':') as [string, string, string, string];
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([kid, iv, flipped.toString('base64url'), tag].join(':'), 'tenant-a/1')).toThrow(
      'does not open',
    );
    expect(() => box.open('garbage', 'tenant-a/1')).toThrow('not a sealed secret');
  });

  it.each([
    ['', 'SECRETS_KEY names no key'],
    ['nokid', 'SECRETS_KEY entries must look like kid:key'],
    ['bad kid:abc', 'SECRETS_KEY key id "bad kid" must be'],
    [`k1:${randomBytes(16).toString('base64url')}`, 'SECRETS_KEY key "k1" must be 32 bytes, not 16'],
    ['k1:not*base64', 'SECRETS_KEY key "k1" is not base64url'],
  ])('refuses SECRETS_KEY=%j naming the problem', (value, message) => {
    expect(() => SecretBox.parse(value)).toThrow(message);
  });

  it('refuses a key id given twice', () => {
    const k = key();
    expect(() => SecretBox.parse(`a:${k},a:${k}`)).toThrow('SECRETS_KEY names key "a" twice');
  });

  it('standalone: generates a key once in the data directory and keeps using it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'secret-box-'));
    try {
      const sealed = SecretBox.load({ VIGIL_DATA_DIR: dir }).seal('token', 'ctx');
      const file = path.join(dir, SECRETS_KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toMatch(/^local:[A-Za-z0-9_-]{43}\n$/);
      expect(SecretBox.load({ VIGIL_DATA_DIR: dir }).open(sealed, 'ctx')).toBe('token');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SECRETS_KEY wins over the key file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'secret-box-'));
    try {
      expect(SecretBox.load({ SECRETS_KEY: `env:${key()}`, VIGIL_DATA_DIR: dir }).sealingKid).toBe('env');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
