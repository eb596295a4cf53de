// Reads the route table of docs/access.md: the access policy that the gateway's declarations must
// match, and that the role matrix of the integration tests is driven from.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type Credential = 'none' | 'none, sign-in limit' | 'user token' | 'API key' | 'user token or API key';

export interface AccessRow {
  method: string;
  path: string;
  credential: Credential;
  roles: string[];
  scopes: string[];
}

/** What the code declares, in the shape of apps/gateway's AccessDeclaration. */
export type DeclarationShape =
  { kind: 'public'; signIn: boolean } | { kind: 'credential'; roles: string[]; scopes: string[] };

const CREDENTIALS: readonly Credential[] = [
  'none',
  'none, sign-in limit',
  'user token',
  'API key',
  'user token or API key',
];

export const ACCESS_DOC = path.resolve(import.meta.dirname, '../../docs/access.md');

function list(cell: string): string[] {
  return cell === '–' || cell === '-' || cell === ''
    ? []
    : cell
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

/** The rows of the `| Method | Path | Credential | Roles | Scopes |` table; throws on a malformed row. */
export function parseAccessTable(markdown: string = readFileSync(ACCESS_DOC, 'utf8')): AccessRow[] {
  const lines = markdown.split(/\r?\n/);
  const header = lines.findIndex((line) =>
    /^\|\s*Method\s*\|\s*Path\s*\|\s*Credential\s*\|\s*Roles\s*\|\s*Scopes\s*\|$/.test(line.trim()),
  );
  if (header < 0) throw new Error('docs/access.md has no | Method | Path | Credential | Roles | Scopes | table');
  const rows: AccessRow[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.trim().startsWith('|')) break;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
    if (cells.length !== 5) throw new Error(`docs/access.md: row "${line}" does not have 5 cells`);
    const [method, rawPath, credential, roles, scopes] = cells as [string, string, string, string, string];
    if (!(CREDENTIALS as readonly string[]).includes(credential))
      throw new Error(`docs/access.md: unknown credential "${credential}" in "${line}"`);
    const row: AccessRow = {
      method,
      path: rawPath.replace(/`/g, ''),
      credential: credential as Credential,
      roles: list(roles),
      scopes: list(scopes),
    };
    const expected = credentialOf(row);
    if (expected !== row.credential)
      throw new Error(
        `docs/access.md: ${method} ${row.path} says "${credential}" but its roles/scopes mean "${expected}"`,
      );
    rows.push(row);
  }
  return rows;
}

function credentialOf(row: AccessRow): Credential {
  if (row.roles.length && row.scopes.length) return 'user token or API key';
  if (row.roles.length) return 'user token';
  if (row.scopes.length) return 'API key';
  return row.credential === 'none, sign-in limit' ? 'none, sign-in limit' : 'none';
}

export function declarationOfRow(row: AccessRow): DeclarationShape {
  if (row.credential === 'none' || row.credential === 'none, sign-in limit')
    return { kind: 'public', signIn: row.credential === 'none, sign-in limit' };
  return { kind: 'credential', roles: [...row.roles].sort(), scopes: [...row.scopes].sort() };
}

/** A declaration as the code has it, normalised for comparison with a row. */
export function normaliseDeclaration(
  access:
    | { kind: 'public'; signIn: boolean }
    | { kind: 'credential'; roles: readonly string[]; scopes: readonly string[] }
    | undefined,
): DeclarationShape | undefined {
  if (!access) return undefined;
  return access.kind === 'public'
    ? { kind: 'public', signIn: access.signIn }
    : { kind: 'credential', roles: [...access.roles].sort(), scopes: [...access.scopes].sort() };
}

/** `METHOD /path → declaration` for both sides, so a failing test shows the difference as a diff. */
export function policyMap(
  entries: { method: string; path: string; access: DeclarationShape | undefined }[],
): Record<string, DeclarationShape | 'undeclared'> {
  return Object.fromEntries(
    entries
      .map((e) => [`${e.method} ${e.path}`, e.access ?? 'undeclared'] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
