import {
  declarationOfRow,
  normaliseDeclaration,
  parseAccessTable,
  policyMap,
} from '../../../../test/support/access-table.js';
import { GATEWAY_CONTROLLERS } from '../gateway.module.js';
import { httpRoutesOf, RUNTIME_ROUTE_ACCESS } from './route-access.js';

describe('docs/access.md and the declared routes', () => {
  const rows = parseAccessTable();
  const routes = httpRoutesOf(GATEWAY_CONTROLLERS);

  it('lists every route the code declares, with the same credential, roles and scopes, and nothing else', () => {
    const fromCode = [
      ...routes.map((r) => ({ method: r.method, path: r.path, access: normaliseDeclaration(r.access) })),
      ...Object.entries(RUNTIME_ROUTE_ACCESS).map(([key, access]) => {
        const [method, path] = key.split(' ') as [string, string];
        return { method, path, access: normaliseDeclaration(access) };
      }),
    ];
    const fromDoc = rows.map((row) => ({ method: row.method, path: row.path, access: declarationOfRow(row) }));
    expect(policyMap(fromCode)).toEqual(policyMap(fromDoc));
  });

  it('has every gateway route declared (an undeclared one would stop the gateway at start-up)', () => {
    expect(routes.filter((r) => !r.access).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(routes.length).toBeGreaterThan(20);
  });

  it('has each route once in the table', () => {
    const keys = rows.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses a table whose credential contradicts its roles and scopes', () => {
    const table =
      '| Method | Path | Credential | Roles | Scopes |\n| --- | --- | --- | --- | --- |\n| GET | `/x` | none | admin | – |\n';
    expect(() => parseAccessTable(table)).toThrow('says "none" but its roles/scopes mean "user token"');
  });
});
