import { Module } from '@nestjs/common';

/** The user service: tenants, users, teams, roles, API keys, refresh tokens and the audit log. */
@Module({})
export class UserModule {}
