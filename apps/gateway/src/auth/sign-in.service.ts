import { HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { RpcPatterns, type LoginRequest, type TokenPair } from '@vigil/contracts';
import { RpcRemoteError } from '@vigil/messaging';
import { UserServiceClient } from '../bus/user-service.client.js';
import type { LoginBody } from '../http-dtos.js';

export const INVALID_LOGIN = 'invalid email or password';

/**
 * Sign-in through the user service. Whatever the reason a login is refused (no such email, wrong
 * password, deactivated account, unknown tenant), the client reads the same 401: the body never
 * tells whether an email exists. Lockouts (429) keep their status and Retry-After.
 */
@Injectable()
export class SignInService {
  constructor(private readonly userService: UserServiceClient) {}

  async login(body: LoginBody, ip: string): Promise<TokenPair> {
    const request: LoginRequest = {
      email: body.email,
      password: body.password,
      ip,
      ...(body.tenant !== undefined ? { tenant: body.tenant } : {}),
    };
    try {
      return await this.userService.anonymous<TokenPair>(RpcPatterns.UserLogin, request);
    } catch (error) {
      if (
        error instanceof RpcRemoteError &&
        [HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND].includes(error.status ?? 0)
      ) {
        throw new UnauthorizedException(INVALID_LOGIN);
      }
      throw error;
    }
  }
}
