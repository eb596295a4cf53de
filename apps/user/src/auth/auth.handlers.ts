import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type AcceptInvitationRequest,
  type ApiKeyPrincipal,
  type LoginRequest,
  type LogoutRequest,
  type PrincipalRequest,
  type PrincipalView,
  type RefreshRequest,
  type TokenPair,
  type UserView,
  type VerifyApiKeyRequest,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { callerOf } from '../common/caller.js';
import { AuthService } from './auth.service.js';

/** Sign-in RPCs: the tenant comes from the credential, or there is none yet. */
@Controller()
export class AuthHandlers {
  constructor(
    private readonly auth: AuthService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  @MessagePattern(RpcPatterns.UserLogin)
  login(@Payload() request: LoginRequest, @Ctx() ctx: BusContext): Promise<TokenPair> {
    return this.auth.login(request, callerOf(ctx));
  }

  @MessagePattern(RpcPatterns.UserRefresh)
  refresh(@Payload() request: RefreshRequest, @Ctx() ctx: BusContext): Promise<TokenPair> {
    return this.auth.refresh(request, callerOf(ctx));
  }

  @MessagePattern(RpcPatterns.UserLogout)
  async logout(@Payload() request: LogoutRequest, @Ctx() ctx: BusContext): Promise<{ ok: true }> {
    await this.auth.logout(request, callerOf(ctx));
    return { ok: true };
  }

  @MessagePattern(RpcPatterns.UserMe)
  me(@Ctx() ctx: BusContext): Promise<UserView> {
    return this.auth.me(callerOf(ctx));
  }

  @MessagePattern(RpcPatterns.UserPrincipal)
  principal(@Payload() request: PrincipalRequest): Promise<PrincipalView> {
    return this.auth.principal(request.userId);
  }

  @MessagePattern(RpcPatterns.UserVerifyApiKey)
  verifyApiKey(@Payload() request: VerifyApiKeyRequest): Promise<ApiKeyPrincipal> {
    return this.apiKeys.verify(request.key);
  }

  @MessagePattern(RpcPatterns.UserAcceptInvitation)
  acceptInvitation(@Payload() request: AcceptInvitationRequest, @Ctx() ctx: BusContext): Promise<TokenPair> {
    return this.auth.acceptInvitation(request, callerOf(ctx));
  }
}
