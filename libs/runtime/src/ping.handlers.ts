import { Controller, Inject, Optional, type Type } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { pingPatternOf, type PingReply, type ServiceName } from '@vigil/contracts';
import { DatabaseHealthIndicator } from '@vigil/persistence';
import type { Logger } from '@vigil/observability';
import { LOGGER, SERVICE_INFO } from './tokens.js';
import type { ServiceInfo } from './service-info.js';

/**
 * The ping every service answers (the gateway's system status calls all six). A service whose
 * database does not answer says `degraded` rather than `ok`.
 */
export function pingHandlersFor(service: ServiceName): Type {
  @Controller()
  class PingHandlers {
    constructor(
      @Inject(SERVICE_INFO) private readonly info: ServiceInfo,
      @Inject(LOGGER) private readonly logger: Logger,
      @Optional() @Inject(DatabaseHealthIndicator) private readonly database?: DatabaseHealthIndicator,
    ) {}

    @MessagePattern(pingPatternOf(service))
    async ping(): Promise<PingReply> {
      const databaseUp = this.database ? (await this.database.check()).database.status === 'up' : true;
      this.logger.debug({ databaseUp }, 'ping answered');
      return {
        service: this.info.service,
        version: this.info.version,
        status: databaseUp ? 'ok' : 'degraded',
        uptimeSeconds: Math.round((Date.now() - this.info.startedAt) / 100) / 10,
        pid: process.pid,
      };
    }
  }
  return PingHandlers;
}
