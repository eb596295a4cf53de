export {
  PLATFORM_SETTING,
  TENANT_ROLE,
  TENANT_SETTING,
  dropTenantRowLevelSecuritySql,
  runAsPlatform,
  runInTenant,
  tenantRowLevelSecuritySql,
  type TenantSecurityTables,
  type TenantWork,
} from './tenant-scope.js';
