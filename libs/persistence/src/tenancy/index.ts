export {
  PLATFORM_SETTING,
  TENANT_ROLE,
  TENANT_SETTING,
  dropTenantRowLevelSecuritySql,
  runAsPlatform,
  runInTenant,
  runScoped,
  type EnterTenant,
  tenantRowLevelSecuritySql,
  type TenantSecurityTables,
  type TenantWork,
} from './tenant-scope.js';
