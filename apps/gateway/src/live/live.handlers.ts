import { Controller } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import type { BusContext } from '@vigil/messaging';
import { RELAYED_EVENTS } from './live-events.js';
import { LiveHub } from './live-hub.js';

/**
 * The events relayed to WebSocket clients, on a queue of this replica's own (exclusive, gone with
 * the replica): every replica hears every one, so no client depends on which replica it is on.
 */
@Controller()
export class LiveHandlers {
  constructor(private readonly hub: LiveHub) {}

  @EventPattern([...RELAYED_EVENTS], { broadcast: true })
  async onEvent(@Ctx() ctx: BusContext): Promise<void> {
    // Acked once relayed: events waiting for the next turn stay unacked meanwhile.
    await this.hub.relay(ctx.getEnvelope());
  }
}
