import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TenantView } from '@vigil/contracts';

/** A tenant: a platform table (its id is what every other row's tenant_id names). */
@Entity({ name: 'tenants' })
@Index('IDX_tenants_slug', ['slug'], { unique: true })
export class TenantEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id!: string;

  @Column({ name: 'slug', type: 'varchar', length: 64 })
  slug!: string;

  @Column({ name: 'name', type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}

export function tenantView(tenant: TenantEntity): TenantView {
  return { id: tenant.id, name: tenant.name, slug: tenant.slug, createdAt: tenant.createdAt.toISOString() };
}
