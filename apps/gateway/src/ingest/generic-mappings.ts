import { Inject, Injectable } from '@nestjs/common';
import { RpcPatterns, type WebhookMappingView } from '@vigil/contracts';
import { AlertServiceClient } from '../bus/alert-service.client.js';
import type { GatewayConfig } from '../gateway.config.js';
import { CLOCK } from '@vigil/runtime';
import { GATEWAY_CONFIG } from '../tokens.js';
import type { MapContext } from './alert-intake.js';
import { compileMapping, mapGeneric, mappingFromQuery, type GenericMapping } from './generic.js';
import { TenantValueCache } from './mapping-cache.js';
import type { MappingResult } from './mapping-result.js';

/** The layers a generic request is mapped with (after the defaults): the stored mapping, then the query's paths over it. */
export function mappingLayers(stored: GenericMapping | null, fromQuery: GenericMapping): GenericMapping[] {
  return stored ? [stored, fromQuery] : [fromQuery];
}

/**
 * The generic receiver's field paths: the defaults, the tenant's stored mapping (from the alert
 * service, cached at most WEBHOOK_MAPPING_CACHE_TTL_MS), then the request's query parameters, each
 * overriding single paths of the layer before.
 */
@Injectable()
export class GenericMappings {
  private readonly stored: TenantValueCache<GenericMapping | null>;

  constructor(
    private readonly alerts: AlertServiceClient,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(CLOCK) now: () => number,
  ) {
    this.stored = new TenantValueCache(config.WEBHOOK_MAPPING_CACHE_TTL_MS, (tenantId) => this.load(tenantId), now);
  }

  async map(
    tenantId: string,
    body: unknown,
    context: MapContext,
    query: Record<string, unknown>,
  ): Promise<MappingResult> {
    const fromQuery = mappingFromQuery(query);
    if (!fromQuery.ok) return { ok: false, problems: fromQuery.problems };
    const compiled = compileMapping(mappingLayers(await this.stored.get(tenantId), fromQuery.mapping));
    if (!compiled.ok) return { ok: false, problems: compiled.problems };
    return mapGeneric(body, compiled.mapping, context);
  }

  /** The tenant's stored mapping changed through this gateway: the next request reads it again. */
  evict(tenantId: string): void {
    this.stored.evict(tenantId);
  }

  private async load(tenantId: string): Promise<GenericMapping | null> {
    const view = await this.alerts.inTenant<WebhookMappingView>(RpcPatterns.AlertWebhookMappingGet, tenantId, {});
    return view.mapping;
  }
}
