import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { RoutingKeys } from '@vigil/contracts';
import type { BusContext } from '@vigil/messaging';
import { RejectedService } from '../rejected/rejected.service.js';
import { IngestService } from './ingest.service.js';

/**
 * What the gateway accepted, off the bus. Each handler returns once its message is committed, and
 * only then is it acked. (Event handlers take the context as `unknown`: @EventPattern types it so.)
 */
@Controller()
export class IngestHandlers {
  constructor(
    private readonly ingest: IngestService,
    private readonly rejected: RejectedService,
  ) {}

  @EventPattern(RoutingKeys.IngestAlertsReceived)
  async received(@Ctx() ctx: unknown): Promise<void> {
    await this.ingest.ingest(ctx as BusContext);
  }

  @EventPattern(RoutingKeys.IngestPayloadRejected)
  async payloadRejected(@Ctx() ctx: unknown): Promise<void> {
    await this.rejected.store(ctx as BusContext);
  }
}
