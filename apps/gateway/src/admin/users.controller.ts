import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CreateUserRequest, RpcPatterns, UserListQuery, type Page, type UserView } from '@vigil/contracts';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UserServiceClient } from '../bus/user-service.client.js';
import { UpdateUserBody } from '../http-dtos.js';
import { UUID_PARAM } from './ids.js';

/** Users of the caller's tenant. Users are deactivated, never deleted: the audit log keeps naming them. */
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly userService: UserServiceClient) {}

  /** With a password: an active user. Without: an invitation (the reply carries its one-time token). */
  @Post()
  @Access({ roles: ['admin'], scopes: ['admin'] })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserRequest): Promise<unknown> {
    return this.userService.asCaller(RpcPatterns.UserUsersCreate, principal, body);
  }

  @Get()
  @Access({ roles: ['admin', 'manager'], scopes: ['admin'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: UserListQuery): Promise<Page<UserView>> {
    return this.userService.asCaller(RpcPatterns.UserUsersList, principal, query);
  }

  @Get(':id')
  @Access({ roles: ['admin', 'manager'], scopes: ['admin'] })
  get(@CurrentPrincipal() principal: Principal, @Param('id', UUID_PARAM) id: string): Promise<UserView> {
    return this.userService.asCaller(RpcPatterns.UserUsersGet, principal, { id });
  }

  /** Role, name, team, active. */
  @Patch(':id')
  @Access({ roles: ['admin'], scopes: ['admin'] })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', UUID_PARAM) id: string,
    @Body() body: UpdateUserBody,
  ): Promise<UserView> {
    return this.userService.asCaller(RpcPatterns.UserUsersUpdate, principal, { ...body, id });
  }

  /** The user can no longer sign in; their tokens stop working within seconds. */
  @Post(':id/deactivate')
  @Access({ roles: ['admin'], scopes: ['admin'] })
  @HttpCode(HttpStatus.OK)
  deactivate(@CurrentPrincipal() principal: Principal, @Param('id', UUID_PARAM) id: string): Promise<UserView> {
    return this.userService.asCaller(RpcPatterns.UserUsersDeactivate, principal, { id });
  }
}
