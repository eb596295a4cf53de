import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  CreateApiKeyRequest,
  PageRequest,
  RpcPatterns,
  type ApiKeyView,
  type CreatedApiKey,
  type Page,
} from '@vigil/contracts';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UserServiceClient } from '../bus/user-service.client.js';
import { UUID_PARAM } from './ids.js';

/**
 * API keys of the caller's tenant. Creating and revoking keys takes a signed-in admin: a key, even
 * with the admin scope, cannot mint or revoke keys (a leaked key cannot multiply itself); it may list them.
 */
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly userService: UserServiceClient) {}

  /** The secret is in this answer and nowhere else, ever. */
  @Post()
  @Access({ roles: ['admin'] })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyRequest): Promise<CreatedApiKey> {
    return this.userService.asCaller(RpcPatterns.UserApiKeysCreate, principal, body);
  }

  /** Prefix, scopes, created, last used; never the secret. */
  @Get()
  @Access({ roles: ['admin'], scopes: ['admin'] })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageRequest): Promise<Page<ApiKeyView>> {
    return this.userService.asCaller(RpcPatterns.UserApiKeysList, principal, query);
  }

  /** Revoked keys stop working on every gateway within 5 s. */
  @Delete(':id')
  @Access({ roles: ['admin'] })
  @HttpCode(HttpStatus.NO_CONTENT)
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id', UUID_PARAM) id: string): Promise<void> {
    await this.userService.asCaller(RpcPatterns.UserApiKeysRevoke, principal, { id });
  }
}
