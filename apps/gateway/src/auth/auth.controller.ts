import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { AcceptInvitationRequest, RpcPatterns, type TokenPair, type UserView } from '@vigil/contracts';
import { Access, ANY_ROLE, SignIn } from '../access/access.decorators.js';
import { ClientAddress, CurrentPrincipal, type Principal } from '../access/principal.js';
import { UserServiceClient } from '../bus/user-service.client.js';
import { LoginBody, RefreshTokenBody } from '../http-dtos.js';
import { SignInService } from './sign-in.service.js';

/** What GET /api/v1/auth/whoami answers: the caller as the gateway authenticated it. */
export type WhoAmI =
  | { kind: 'user'; id: string; tenantId: string; role: string; platformAdmin: boolean }
  | { kind: 'api-key'; id: string; tenantId: string; name: string; scopes: readonly string[] };

@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly signIn: SignInService,
    private readonly userService: UserServiceClient,
  ) {}

  /** Email + password → access and refresh token. */
  @Post('login')
  @SignIn()
  @HttpCode(HttpStatus.OK)
  login(@Body() body: LoginBody, @ClientAddress() ip: string): Promise<TokenPair> {
    return this.signIn.login(body, ip);
  }

  /** A refresh token → a new pair; the old refresh token stops working (reuse revokes the family). */
  @Post('refresh')
  @SignIn()
  @HttpCode(HttpStatus.OK)
  refresh(@Body() body: RefreshTokenBody, @ClientAddress() ip: string): Promise<TokenPair> {
    return this.userService.anonymous<TokenPair>(RpcPatterns.UserRefresh, { refreshToken: body.refresh_token, ip });
  }

  @Post('logout')
  @SignIn()
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@Body() body: RefreshTokenBody): Promise<void> {
    await this.userService.anonymous(RpcPatterns.UserLogout, { refreshToken: body.refresh_token });
  }

  /** An invited user sets a password with the invitation token. */
  @Post('accept-invitation')
  @SignIn()
  @HttpCode(HttpStatus.OK)
  acceptInvitation(@Body() body: AcceptInvitationRequest): Promise<unknown> {
    return this.userService.anonymous(RpcPatterns.UserAcceptInvitation, { token: body.token, password: body.password });
  }

  /** The signed-in user's profile, from the user service. */
  @Get('me')
  @Access({ roles: ANY_ROLE })
  me(@CurrentPrincipal() principal: Principal): Promise<UserView> {
    return this.userService.asCaller<UserView>(RpcPatterns.UserMe, principal, {});
  }

  /** The caller as authenticated here, without asking any service: for checking a credential (and measuring auth cost). */
  @Get('whoami')
  @Access({ roles: ANY_ROLE, scopes: ['*'] })
  whoami(@CurrentPrincipal() principal: Principal): WhoAmI {
    return principal.kind === 'user'
      ? {
          kind: 'user',
          id: principal.id,
          tenantId: principal.tenantId,
          role: principal.role,
          platformAdmin: principal.platformAdmin,
        }
      : {
          kind: 'api-key',
          id: principal.id,
          tenantId: principal.tenantId,
          name: principal.name,
          scopes: principal.scopes,
        };
  }
}
