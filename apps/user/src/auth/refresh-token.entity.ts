import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One refresh token of a sign-in session (a family): rotated on every use, the old one kept to detect reuse. */
@Entity({ name: 'refresh_tokens' })
@Index('IDX_refresh_tokens_tenant_id', ['tenantId', 'id'], { unique: true })
@Index('IDX_refresh_tokens_hash', ['tokenHash'], { unique: true })
@Index('IDX_refresh_tokens_family', ['familyId'])
@Index('IDX_refresh_tokens_user', ['tenantId', 'userId'])
export class RefreshTokenEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  /** All tokens issued from one sign-in share it; reuse of a rotated one revokes them all. */
  @Column({ name: 'family_id', type: 'uuid' })
  familyId!: string;

  /** SHA-256 (hex) of the opaque token. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: Date })
  expiresAt!: Date;

  /** Set when it was exchanged for its successor. */
  @Column({ name: 'rotated_at', type: Date, nullable: true })
  rotatedAt!: Date | null;

  @Column({ name: 'revoked_at', type: Date, nullable: true })
  revokedAt!: Date | null;
}
