import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VARIABLE = 'SECRETS_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';
/** The key file of the standalone mode, in VIGIL_DATA_DIR. */
export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * Seals the secrets services store (tenants' MCP server headers, notification channel tokens) with AES-256-GCM: a random IV
 * per seal, the key id in front so keys can be rotated (the first key of SECRETS_KEY seals, every key
 * opens), and a context (the row it belongs to) as additional data, so a sealed value copied onto
 * another row does not open.
 */
export class SecretBox {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly sealingKid: string,
  ) {}

  /** Parses `SECRETS_KEY`: `kid:key[,kid:key]`, each key exactly 32 bytes in base64url. Errors name the bad entry. */
  static parse(value: string): SecretBox {
    const keys = new Map<string, Buffer>();
    for (const entry of value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new Error(`${VARIABLE} entries must look like kid:key (32 bytes, base64url)`);
      const kid = entry.slice(0, colon);
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid))
        throw new Error(`${VARIABLE} key id "${kid}" must be 1-64 letters, digits, dots, dashes or underscores`);
      const text = entry.slice(colon + 1);
      if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) throw new Error(`${VARIABLE} key "${kid}" is not base64url`);
      const key = Buffer.from(text, 'base64url');
      if (key.byteLength !== KEY_BYTES)
        throw new Error(`${VARIABLE} key "${kid}" must be ${KEY_BYTES} bytes, not ${key.byteLength}`);
      if (keys.has(kid)) throw new Error(`${VARIABLE} names key "${kid}" twice`);
      keys.set(kid, key);
    }
    const first = keys.keys().next();
    if (first.done) throw new Error(`${VARIABLE} names no key`);
    return new SecretBox(keys, first.value);
  }

  /**
   * `SECRETS_KEY` when set; else (standalone, one machine) a key generated once and kept in the data
   * directory, so stored secrets survive a restart.
   */
  static load(options: { SECRETS_KEY?: string | undefined; VIGIL_DATA_DIR: string }): SecretBox {
    if (options.SECRETS_KEY) return SecretBox.parse(options.SECRETS_KEY);
    const file = path.join(options.VIGIL_DATA_DIR, SECRETS_KEY_FILE);
    mkdirSync(options.VIGIL_DATA_DIR, { recursive: true });
    try {
      writeFileSync(file, `local:${randomBytes(KEY_BYTES).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return SecretBox.parse(readFileSync(file, 'utf8').trim());
  }

  /** `kid:iv:ciphertext:tag`, each part base64url. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(this.sealingKid)!, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [this.sealingKid, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join(':');
  }

  /** Throws when the value is not one this box sealed for `context` (unknown key id, tampered, other row). */
  open(sealed: string, context: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 4) throw new Error('not a sealed secret');
    const [kid, iv, ciphertext, tag] = parts as [string, string, string, string];
    const key = this.keys.get(kid);
    if (!key) throw new Error(`the secret was sealed with key "${kid}", which ${VARIABLE} no longer holds`);
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`the secret does not open with key "${kid}" (altered, or sealed for another record)`);
    }
  }
}
