import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The keys every process of a distributed Vigil must share, as files for `<NAME>_FILE`: the
 * access-token signing key (`JWT_KEYS_FILE`) and the key that seals stored secrets
 * (`SECRETS_KEY_FILE`). Standalone keeps its own in its data directory; a distributed deployment
 * with no keys set gets these, generated on its first start (docker-compose.yml runs this before
 * the services).
 */
export const SHARED_KEY_FILES = {
  JWT_KEYS: { file: 'jwt-keys', bytes: 48 },
  SECRETS_KEY: { file: 'secrets-key', bytes: 32 },
} as const;

export interface WrittenKey {
  variable: keyof typeof SHARED_KEY_FILES;
  path: string;
  created: boolean;
}

/**
 * Writes each key file into `dir` unless it is there already (a restart keeps the keys, so sessions
 * and sealed secrets survive it). Files are readable by their owner only.
 */
export function writeSharedKeys(dir: string): WrittenKey[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(SHARED_KEY_FILES).map(([variable, { file, bytes }]) => {
    const at = path.join(dir, file);
    try {
      writeFileSync(at, `k1:${randomBytes(bytes).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
      return { variable: variable as WrittenKey['variable'], path: at, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { variable: variable as WrittenKey['variable'], path: at, created: false };
    }
  });
}
