import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { exposeMetrics, type Registry } from '@vigil/observability';
import { METRICS_REGISTRY } from './tokens.js';

/** Registries served on /metrics: this service's own, plus (standalone) the other services'. */
export const EXPOSED_REGISTRIES = Symbol('EXPOSED_REGISTRIES');

@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(EXPOSED_REGISTRIES) private readonly exposed: () => Registry[],
  ) {}

  @Get()
  async metrics(@Res() res: Response): Promise<void> {
    const { contentType, body } = await exposeMetrics([
      this.registry,
      ...this.exposed().filter((r) => r !== this.registry),
    ]);
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}
