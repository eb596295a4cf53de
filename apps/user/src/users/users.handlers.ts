import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  RpcPatterns,
  type ById,
  type CreatedUser,
  type CreateUserRequest,
  type Page,
  type UserListQuery,
  type UpdateUserRequest,
  type UserView,
} from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { actingCaller } from '../common/caller.js';
import { UsersService } from './users.service.js';

@Controller()
export class UsersHandlers {
  constructor(private readonly users: UsersService) {}

  @MessagePattern(RpcPatterns.UserUsersCreate)
  create(@Payload() request: CreateUserRequest, @Ctx() ctx: BusContext): Promise<CreatedUser> {
    return this.users.create(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserUsersList)
  list(@Payload() request: UserListQuery, @Ctx() ctx: BusContext): Promise<Page<UserView>> {
    return this.users.list(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserUsersGet)
  get(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<UserView> {
    return this.users.get(actingCaller(ctx), request.id);
  }

  @MessagePattern(RpcPatterns.UserUsersUpdate)
  update(@Payload() request: UpdateUserRequest, @Ctx() ctx: BusContext): Promise<UserView> {
    return this.users.update(actingCaller(ctx), request);
  }

  @MessagePattern(RpcPatterns.UserUsersDeactivate)
  deactivate(@Payload() request: ById, @Ctx() ctx: BusContext): Promise<UserView> {
    return this.users.deactivate(actingCaller(ctx), request.id);
  }
}
