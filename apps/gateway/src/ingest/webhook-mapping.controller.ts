import { Body, Controller, Get, Put, UnprocessableEntityException } from '@nestjs/common';
import { RpcPatterns, WebhookMapping, webhookMappingOf, type WebhookMappingView } from '@vigil/contracts';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { AlertServiceClient } from '../bus/alert-service.client.js';
import { mappingPathProblems } from './generic.js';
import { GenericMappings } from './generic-mappings.js';

/** Who configures how a tenant's generic webhooks are read: managers and admins (keys: `admin`). */
export const MAPPING_EDITORS = ['admin', 'manager'] as const;

/**
 * The tenant's stored generic-webhook mapping (field paths per alert field), kept by the alert
 * service. Every `POST /api/v1/webhooks/generic` of the tenant maps with it; query parameters
 * override single paths. A PUT replaces the whole mapping (`{}` goes back to the defaults).
 */
@Controller('api/v1/webhooks/generic/mapping')
export class WebhookMappingController {
  constructor(
    private readonly alerts: AlertServiceClient,
    private readonly mappings: GenericMappings,
  ) {}

  /** `{ source, mapping, updatedAt, updatedBy }`; `mapping: null` when the tenant stored none. */
  @Get()
  @Access({ roles: MAPPING_EDITORS, scopes: ['admin'] })
  get(@CurrentPrincipal() principal: Principal): Promise<WebhookMappingView> {
    return this.alerts.asCaller(RpcPatterns.AlertWebhookMappingGet, principal, {});
  }

  /** Each path is checked with the receiver's own parser: 422 naming every bad one. */
  @Put()
  @Access({ roles: MAPPING_EDITORS, scopes: ['admin'] })
  async put(@CurrentPrincipal() principal: Principal, @Body() body: WebhookMapping): Promise<WebhookMappingView> {
    const mapping = webhookMappingOf(body);
    const problems = mappingPathProblems(mapping);
    if (problems.length)
      throw new UnprocessableEntityException({ message: `invalid mapping: ${problems.join('; ')}`, errors: problems });
    try {
      return await this.alerts.asCaller<WebhookMappingView>(RpcPatterns.AlertWebhookMappingPut, principal, mapping);
    } finally {
      // Also after a failure: a put that timed out here may still have been stored.
      this.mappings.evict(principal.tenantId);
    }
  }
}
