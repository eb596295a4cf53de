import { Injectable } from '@nestjs/common';
import type { Row, Sql } from '@vigil/persistence';

/** A tenant's MCP server row as the service reads it (headers still sealed). */
export interface StoredMcpServer {
  id: string;
  tenantId: string;
  name: string;
  url: string;
  headerNames: string[];
  sealedHeaders: string;
  timeoutMs: number | null;
  createdAtUs: bigint;
  updatedAtUs: bigint;
  createdBy: string | null;
}

export interface McpServerChanges {
  url: string;
  headerNames: string[];
  sealedHeaders: string;
  timeoutMs: number | null;
  updatedAtUs: bigint;
}

const COLUMNS = 'id, tenant_id, name, url, header_names, headers, timeout_ms, created_at_us, updated_at_us, created_by';

/** The SQL of mcp_servers, in the caller's tenant-scoped transaction; every statement names the tenant too. */
@Injectable()
export class McpServerStore {
  async list(sql: Sql, tenantId: string): Promise<StoredMcpServer[]> {
    const rows = await sql.query(`SELECT ${COLUMNS} FROM mcp_servers WHERE tenant_id = ? ORDER BY name, id`, [
      tenantId,
    ]);
    return rows.map(storedOf);
  }

  async get(sql: Sql, tenantId: string, id: string): Promise<StoredMcpServer | null> {
    const [row] = await sql.query(`SELECT ${COLUMNS} FROM mcp_servers WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
    return row ? storedOf(row) : null;
  }

  async insert(sql: Sql, server: StoredMcpServer): Promise<void> {
    await sql.run(`INSERT INTO mcp_servers (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      server.id,
      server.tenantId,
      server.name,
      server.url,
      JSON.stringify(server.headerNames),
      server.sealedHeaders,
      server.timeoutMs,
      String(server.createdAtUs),
      String(server.updatedAtUs),
      server.createdBy,
    ]);
  }

  /** False when the tenant has no such server. */
  async update(sql: Sql, tenantId: string, id: string, changes: McpServerChanges): Promise<boolean> {
    const count = await sql.run(
      'UPDATE mcp_servers SET url = ?, header_names = ?, headers = ?, timeout_ms = ?, updated_at_us = ? WHERE tenant_id = ? AND id = ?',
      [
        changes.url,
        JSON.stringify(changes.headerNames),
        changes.sealedHeaders,
        changes.timeoutMs,
        String(changes.updatedAtUs),
        tenantId,
        id,
      ],
    );
    return count > 0;
  }

  /** False when the tenant has no such server. */
  async delete(sql: Sql, tenantId: string, id: string): Promise<boolean> {
    return (await sql.run('DELETE FROM mcp_servers WHERE tenant_id = ? AND id = ?', [tenantId, id])) > 0;
  }
}

function storedOf(row: Row): StoredMcpServer {
  return {
    id: String(row['id']),
    tenantId: String(row['tenant_id']),
    name: String(row['name']),
    url: String(row['url']),
    headerNames: JSON.parse(String(row['header_names'])) as string[],
    sealedHeaders: String(row['headers']),
    timeoutMs: row['timeout_ms'] === null || row['timeout_ms'] === undefined ? null : Number(row['timeout_ms']),
    createdAtUs: BigInt(row['created_at_us'] as string | number),
    updatedAtUs: BigInt(row['updated_at_us'] as string | number),
    createdBy: (row['created_by'] as string | null) ?? null,
  };
}
