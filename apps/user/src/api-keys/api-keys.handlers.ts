import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ApiKeyView,
  type ById,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  type Page,
  type PageRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { actingCaller } from '../common/caller.js';
import { ApiKeysService } from './api-keys.service.js';

@Controller()
export class ApiKeysHandlers {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @MessagePattern(RpcPatterns.UserApiKeysCreate)
  create(@Payload() request: CreateApiKeyRequest, @Ctx() ctx: BusContext): Promise<CreatedApiKey> {
    return this.apiKeys.create(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserApiKeysList)
  list(@Payload() request: PageRequest, @Ctx() ctx: BusContext): Promise<Page<ApiKeyView>> {
    return this.apiKeys.list(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserApiKeysRevoke)
  revoke(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<ApiKeyView> {
    return this.apiKeys.revoke(actingCaller(ctx), request.id);
  }
}
