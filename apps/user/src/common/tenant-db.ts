import { Inject, Injectable } from '@nestjs/common';
import { runAsPlatform, runInTenant, type TenantWork } from '@vigil/persistence';
import { DataSource } from 'typeorm';

/** The service's database, one unit of work at a time: scoped to a tenant, or deliberately platform-wide. */
@Injectable()
export class TenantDb {
  constructor(@Inject(DataSource) readonly dataSource: DataSource) {}

  inTenant<T>(tenantId: string, work: TenantWork<T>): Promise<T> {
    return runInTenant(this.dataSource, tenantId, work);
  }

  /** Across tenants: sign-in by email, bootstrap, tenant creation, credential lookup. Use sparingly. */
  asPlatform<T>(work: TenantWork<T>): Promise<T> {
    return runAsPlatform(this.dataSource, work);
  }

  get dialect(): 'postgres' | 'sqlite' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }
}
