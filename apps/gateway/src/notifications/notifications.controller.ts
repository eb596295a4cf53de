import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ChannelTestBody,
  CreateChannelRequest,
  CreateEscalationPolicyRequest,
  CreateRouteRequest,
  RouteTestRequest,
  RpcPatterns,
  type ChannelTestResult,
  type ChannelView,
  type DeliveryPage,
  type EscalationPolicyView,
  type Page,
  type RouteTestResult,
  type RouteView,
} from '@vigil/contracts';
import { Access, ANY_ROLE } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { UUID_PARAM } from '../admin/ids.js';
import { deliveryListQueryOf } from './deliveries-query.js';
import { NotificationClient } from './notification.client.js';
import { UpdateChannelBody, UpdateEscalationPolicyBody, UpdateRouteBody } from './notification-dtos.js';

/** Managers and admins change the notification settings (keys: notifications:write); everyone reads them. */
const EDITORS = { roles: ['admin', 'manager'], scopes: ['notifications:write'] } as const;
const READERS = { roles: ANY_ROLE, scopes: ['alerts:read'] } as const;

/**
 * The tenant's notification channels: secrets are write-only (answers name them in `secretsSet`),
 * `test` sends a test message now and answers what the provider said. Another tenant's channel is the
 * notification service's 404, the same as a missing one.
 */
@Controller('api/v1/notifications/channels')
export class NotificationChannelsController {
  constructor(private readonly notifications: NotificationClient) {}

  @Post()
  @Access(EDITORS)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateChannelRequest): Promise<ChannelView> {
    return this.notifications.asCaller(RpcPatterns.NotificationChannelsCreate, principal, body);
  }

  @Get()
  @Access(READERS)
  list(@CurrentPrincipal() principal: Principal): Promise<Page<ChannelView>> {
    return this.notifications.asCaller(RpcPatterns.NotificationChannelsList, principal, {});
  }

  @Get(':channelId')
  @Access(READERS)
  get(@CurrentPrincipal() principal: Principal, @Param('channelId', UUID_PARAM) id: string): Promise<ChannelView> {
    return this.notifications.asCaller(RpcPatterns.NotificationChannelsGet, principal, { id });
  }

  @Patch(':channelId')
  @Access(EDITORS)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('channelId', UUID_PARAM) id: string,
    @Body() body: UpdateChannelBody,
  ): Promise<ChannelView> {
    return this.notifications.asCaller(RpcPatterns.NotificationChannelsUpdate, principal, { ...body, id });
  }

  @Delete(':channelId')
  @Access(EDITORS)
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentPrincipal() principal: Principal, @Param('channelId', UUID_PARAM) id: string): Promise<void> {
    await this.notifications.asCaller(RpcPatterns.NotificationChannelsDelete, principal, { id });
  }

  @Post(':channelId/test')
  @Access(EDITORS)
  @HttpCode(HttpStatus.OK)
  test(
    @CurrentPrincipal() principal: Principal,
    @Param('channelId', UUID_PARAM) id: string,
    @Body() body: ChannelTestBody,
  ): Promise<ChannelTestResult> {
    return this.notifications.asCaller(RpcPatterns.NotificationChannelsTest, principal, { ...body, id });
  }
}

/** The tenant's ordered routes, and the dry run that says which routes and channels an alert would reach. */
@Controller('api/v1/notifications/routes')
export class NotificationRoutesController {
  constructor(private readonly notifications: NotificationClient) {}

  @Post()
  @Access(EDITORS)
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateRouteRequest): Promise<RouteView> {
    return this.notifications.asCaller(RpcPatterns.NotificationRoutesCreate, principal, body);
  }

  @Get()
  @Access(READERS)
  list(@CurrentPrincipal() principal: Principal): Promise<Page<RouteView>> {
    return this.notifications.asCaller(RpcPatterns.NotificationRoutesList, principal, {});
  }

  /** Changes nothing: anyone who reads the routes may ask where an alert would go. */
  @Post('test')
  @Access(READERS)
  @HttpCode(HttpStatus.OK)
  test(@CurrentPrincipal() principal: Principal, @Body() body: RouteTestRequest): Promise<RouteTestResult> {
    return this.notifications.asCaller(RpcPatterns.NotificationRoutesTest, principal, body);
  }

  @Get(':routeId')
  @Access(READERS)
  get(@CurrentPrincipal() principal: Principal, @Param('routeId', UUID_PARAM) id: string): Promise<RouteView> {
    return this.notifications.asCaller(RpcPatterns.NotificationRoutesGet, principal, { id });
  }

  @Patch(':routeId')
  @Access(EDITORS)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('routeId', UUID_PARAM) id: string,
    @Body() body: UpdateRouteBody,
  ): Promise<RouteView> {
    return this.notifications.asCaller(RpcPatterns.NotificationRoutesUpdate, principal, { ...body, id });
  }

  @Delete(':routeId')
  @Access(EDITORS)
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentPrincipal() principal: Principal, @Param('routeId', UUID_PARAM) id: string): Promise<void> {
    await this.notifications.asCaller(RpcPatterns.NotificationRoutesDelete, principal, { id });
  }
}

/** The tenant's escalation policies, which routes name. */
@Controller('api/v1/notifications/escalation-policies')
export class EscalationPoliciesController {
  constructor(private readonly notifications: NotificationClient) {}

  @Post()
  @Access(EDITORS)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateEscalationPolicyRequest,
  ): Promise<EscalationPolicyView> {
    return this.notifications.asCaller(RpcPatterns.NotificationEscalationPoliciesCreate, principal, body);
  }

  @Get()
  @Access(READERS)
  list(@CurrentPrincipal() principal: Principal): Promise<Page<EscalationPolicyView>> {
    return this.notifications.asCaller(RpcPatterns.NotificationEscalationPoliciesList, principal, {});
  }

  @Get(':policyId')
  @Access(READERS)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('policyId', UUID_PARAM) id: string,
  ): Promise<EscalationPolicyView> {
    return this.notifications.asCaller(RpcPatterns.NotificationEscalationPoliciesGet, principal, { id });
  }

  @Patch(':policyId')
  @Access(EDITORS)
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('policyId', UUID_PARAM) id: string,
    @Body() body: UpdateEscalationPolicyBody,
  ): Promise<EscalationPolicyView> {
    return this.notifications.asCaller(RpcPatterns.NotificationEscalationPoliciesUpdate, principal, { ...body, id });
  }

  @Delete(':policyId')
  @Access(EDITORS)
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@CurrentPrincipal() principal: Principal, @Param('policyId', UUID_PARAM) id: string): Promise<void> {
    await this.notifications.asCaller(RpcPatterns.NotificationEscalationPoliciesDelete, principal, { id });
  }
}

/** Every notification sent or pending, with its attempts: newest first, filtered by alert, channel, status and time. */
@Controller('api/v1/notifications/deliveries')
export class DeliveriesController {
  constructor(private readonly notifications: NotificationClient) {}

  @Get()
  @Access(READERS)
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<DeliveryPage> {
    return this.notifications.asCaller(RpcPatterns.NotificationDeliveriesList, principal, deliveryListQueryOf(query));
  }
}
