import { parseArgs } from 'node:util';
import type { StackDirectories } from './stack-credentials.js';

export const INIT_KEYS_USAGE = 'init-keys <directory> [--database <directory>] [--broker <directory>]';

/**
 * The arguments of `init-keys`: the directory of the shared keys, and those of the database's and the
 * broker's credentials when they are wanted. Throws on anything else.
 */
export function parseInitKeysArgs(args: readonly string[]): StackDirectories {
  const { positionals, values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { database: { type: 'string' }, broker: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new Error(`one directory expected, got ${positionals.length}`);
  return { keys: positionals[0]!, database: values.database, broker: values.broker };
}
