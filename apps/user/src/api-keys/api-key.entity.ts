import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ApiKeyScope, ApiKeyView } from '@vigil/contracts';

@Entity({ name: 'api_keys' })
@Index('IDX_api_keys_tenant_id', ['tenantId', 'id'], { unique: true })
@Index('IDX_api_keys_prefix', ['prefix'], { unique: true })
export class ApiKeyEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  /** The public part of the key (`vgk_<prefix>_...`): finds the row. */
  @Column({ name: 'prefix', type: 'varchar', length: 8 })
  prefix!: string;

  /** SHA-256 (hex) of the secret part. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;

  @Column({ name: 'scopes', type: 'simple-json' })
  scopes!: ApiKeyScope[];

  @Column({ name: 'created_by', type: 'varchar', length: 200, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: Date, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;
}

export function apiKeyView(key: ApiKeyEntity): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
