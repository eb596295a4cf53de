import { Controller, Get, Query } from '@nestjs/common';
import { AuditQuery, RpcPatterns, type AuditEntryView, type Page } from '@vigil/contracts';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UserServiceClient } from '../bus/user-service.client.js';

/** The caller's tenant's audit log, newest first, filtered and paged by cursor. */
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly userService: UserServiceClient) {}

  @Get()
  @Access({ roles: ['admin'], scopes: ['admin'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: AuditQuery): Promise<Page<AuditEntryView>> {
    return this.userService.asCaller(RpcPatterns.UserAuditList, principal, query);
  }
}
