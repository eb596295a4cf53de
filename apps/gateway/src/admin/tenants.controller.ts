import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { CreateTenantRequest, PageRequest, RpcPatterns, type Page, type TenantView } from '@vigil/contracts';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UserServiceClient } from '../bus/user-service.client.js';

/** Tenants: platform administrators only (a tenant API key never reaches another tenant). */
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly userService: UserServiceClient) {}

  /** A new tenant with its first admin. */
  @Post()
  @Access({ roles: ['platform-admin'] })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateTenantRequest): Promise<unknown> {
    return this.userService.asCaller(RpcPatterns.UserTenantsCreate, principal, body);
  }

  @Get()
  @Access({ roles: ['platform-admin'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageRequest): Promise<Page<TenantView>> {
    return this.userService.asCaller(RpcPatterns.UserTenantsList, principal, query);
  }
}
