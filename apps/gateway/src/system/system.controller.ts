import { Controller, Get } from '@nestjs/common';
import { Public } from '../access/access.decorators.js';
import { SystemStatusService, type SystemStatus } from './system-status.service.js';

@Controller('api/v1/system')
export class SystemController {
  constructor(private readonly statuses: SystemStatusService) {}

  /** Every service's name, version, status and ping round trip. */
  @Get('status')
  @Public()
  status(): Promise<SystemStatus> {
    return this.statuses.status();
  }
}
