import { Controller, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { Access } from '../access/access.decorators.js';
import { CurrentPrincipal, type Principal } from '../access/principal.js';
import { RESPONDERS } from '../alerts/alerts.controller.js';
import { AlertIntake, type Accepted, type MapContext } from './alert-intake.js';
import { mapAlertmanagerLike } from './alertmanager.js';
import { mapApiAlerts } from './api-alerts.js';
import { GenericMappings } from './generic-mappings.js';
import type { MappingResult } from './mapping-result.js';
import { IngestBody, type RawIngestBody } from './raw-body.js';
import { webhookQueryProblems } from './webhook-query.js';

/**
 * Where alerts enter: the flexible alert API (docs/architecture.md, "The alert model") and the
 * webhook receivers. Each answers 202
 * with the alert ids once the broker confirmed the one message carrying them; see AlertIntake.
 */
@Controller('api/v1')
export class IngestController {
  constructor(
    private readonly intake: AlertIntake,
    private readonly genericMappings: GenericMappings,
  ) {}

  /** One alert (object) or many (array, ≤ ALERTS_MAX_BATCH): alert_type and runbook required, data kept whole. */
  @Post('alerts')
  @Access({ roles: RESPONDERS, scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.ACCEPTED)
  create(@CurrentPrincipal() principal: Principal, @IngestBody() raw: RawIngestBody): Promise<Accepted> {
    return this.intake.receive('api', principal, raw, (body, context) => mapApiAlerts(body, context));
  }

  /** Prometheus Alertmanager webhook (v4). `?type_label=` names the label giving the alert type. */
  @Post('webhooks/alertmanager')
  @Access({ scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.ACCEPTED)
  alertmanager(
    @CurrentPrincipal() principal: Principal,
    @IngestBody() raw: RawIngestBody,
    @Query() query: Record<string, unknown>,
  ): Promise<Accepted> {
    return this.intake.receive('alertmanager', principal, raw, (body, context) =>
      this.alertmanagerLike('alertmanager', body, context, query),
    );
  }

  /** Grafana unified alerting webhook (contact point of type webhook). */
  @Post('webhooks/grafana')
  @Access({ scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.ACCEPTED)
  grafana(
    @CurrentPrincipal() principal: Principal,
    @IngestBody() raw: RawIngestBody,
    @Query() query: Record<string, unknown>,
  ): Promise<Accepted> {
    return this.intake.receive('grafana', principal, raw, (body, context) =>
      this.alertmanagerLike('grafana', body, context, query),
    );
  }

  /** Any JSON: field paths from the query (`?type=labels.alertname&severity=$.level`) over the tenant's stored mapping. */
  @Post('webhooks/generic')
  @Access({ scopes: ['alerts:write'] })
  @HttpCode(HttpStatus.ACCEPTED)
  generic(
    @CurrentPrincipal() principal: Principal,
    @IngestBody() raw: RawIngestBody,
    @Query() query: Record<string, unknown>,
  ): Promise<Accepted> {
    return this.intake.receive('generic', principal, raw, (body, context) =>
      this.genericMappings.map(principal.tenantId, body, context, query),
    );
  }

  private alertmanagerLike(
    source: 'alertmanager' | 'grafana',
    body: unknown,
    context: MapContext,
    query: Record<string, unknown>,
  ): MappingResult {
    const problems = webhookQueryProblems(query);
    if (problems.length) return { ok: false, problems };
    const typeLabel = typeof query.type_label === 'string' ? query.type_label : this.intake.defaultTypeLabel;
    return mapAlertmanagerLike(body, source, { ...context, typeLabel });
  }
}
