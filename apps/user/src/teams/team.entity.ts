import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TeamView } from '@vigil/contracts';

@Entity({ name: 'teams' })
@Index('IDX_teams_tenant_name', ['tenantId', 'name'], { unique: true })
@Index('IDX_teams_tenant_id', ['tenantId', 'id'], { unique: true })
export class TeamEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}

export function teamView(team: TeamEntity): TeamView {
  return { id: team.id, name: team.name, description: team.description, createdAt: team.createdAt.toISOString() };
}
