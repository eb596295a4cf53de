import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An MCP server a tenant's admins added (Streamable HTTP only): its investigations may use its tools.
 * The header values (tokens) are stored sealed with SECRETS_KEY; their names are kept in clear for the
 * API, which never shows the values.
 */
@Entity({ name: 'mcp_servers' })
@Index('UQ_mcp_servers_tenant_name', ['tenantId', 'name'], { unique: true })
export class McpServerRow {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  /** Unique in the tenant; never a configured server's name. */
  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  @Column({ name: 'url', type: 'varchar', length: 2048 })
  url!: string;

  /** The header names, a JSON array, in the order given. */
  @Column({ name: 'header_names', type: 'text' })
  headerNames!: string;

  /** The headers as a JSON object, sealed (AES-256-GCM, see SecretBox): `kid:iv:ciphertext:tag`. */
  @Column({ name: 'headers', type: 'text' })
  headers!: string;

  /** Per-exchange limit; null: MCP_TIMEOUT_MS. */
  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs!: number | null;

  /** Unix microseconds. */
  @Column({ name: 'created_at_us', type: 'bigint' })
  createdAtUs!: string;

  @Column({ name: 'updated_at_us', type: 'bigint' })
  updatedAtUs!: string;

  /** The user or API key that added it (the envelope actor). */
  @Column({ name: 'created_by', type: 'varchar', length: 200, nullable: true })
  createdBy!: string | null;
}
