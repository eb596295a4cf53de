import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Role, UserView } from '@vigil/contracts';

@Entity({ name: 'users' })
@Index('IDX_users_tenant_email', ['tenantId', 'email'], { unique: true })
@Index('IDX_users_tenant_id', ['tenantId', 'id'], { unique: true })
@Index('IDX_users_email', ['email'])
@Index('IDX_users_invitation_hash', ['invitationHash'], { unique: true })
export class UserEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  /** Lower-cased; unique per tenant, not globally. */
  @Column({ name: 'email', type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'role', type: 'varchar', length: 16 })
  role!: Role;

  @Column({ name: 'team_id', type: 'uuid', nullable: true })
  teamId!: string | null;

  @Column({ name: 'active', type: 'boolean' })
  active!: boolean;

  @Column({ name: 'platform_admin', type: 'boolean' })
  platformAdmin!: boolean;

  /** scrypt string with its parameters; null while invited. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  /** SHA-256 of the one-time invitation token; null once accepted. */
  @Column({ name: 'invitation_hash', type: 'varchar', length: 64, nullable: true })
  invitationHash!: string | null;

  @Column({ name: 'invitation_expires_at', type: Date, nullable: true })
  invitationExpiresAt!: Date | null;

  @Column({ name: 'last_login_at', type: Date, nullable: true })
  lastLoginAt!: Date | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}

export function userView(user: UserEntity): UserView {
  return {
    id: user.id,
    tenantId: user.tenantId,
    email: user.email,
    name: user.name,
    role: user.role,
    teamId: user.teamId,
    active: user.active,
    platformAdmin: user.platformAdmin,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
  };
}
