import { Module } from '@nestjs/common';
import { SystemController } from './system/system.controller.js';
import { SystemStatusService } from './system/system-status.service.js';

@Module({
  controllers: [SystemController],
  providers: [SystemStatusService],
})
export class GatewayModule {}
