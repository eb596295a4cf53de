import { Module } from '@nestjs/common';
import { JwtKeyring } from '@vigil/auth';
import type { CommonConfig } from '@vigil/config';
import { CLOCK, CONFIG, systemClock } from '@vigil/runtime';
import { ApiKeysHandlers } from './api-keys/api-keys.handlers.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';
import { AuditHandlers } from './audit/audit.handlers.js';
import { AuditService } from './audit/audit.service.js';
import { AuthHandlers } from './auth/auth.handlers.js';
import { AuthService } from './auth/auth.service.js';
import { PasswordService } from './auth/passwords.service.js';
import { ThrottleService } from './auth/throttle.service.js';
import { TokenIssuer } from './auth/token-issuer.js';
import { RevocationPublisher } from './common/revocations.js';
import { JWT_KEYRING, USER_CONFIG } from './common/tokens.js';
import { RetentionService } from './retention/retention.service.js';
import { TeamsHandlers } from './teams/teams.handlers.js';
import { TeamsService } from './teams/teams.service.js';
import { BootstrapService } from './tenants/bootstrap.service.js';
import { TenantsHandlers } from './tenants/tenants.handlers.js';
import { TenantsService } from './tenants/tenants.service.js';
import { loadUserConfig, type UserConfig } from './user.config.js';
import { UsersHandlers } from './users/users.handlers.js';
import { UsersService } from './users/users.service.js';

/**
 * The user service: tenants, users, teams, roles, API keys, refresh tokens and the audit log;
 * retention deletes audit entries and spent sign-in throttling records past their time.
 */
@Module({
  controllers: [AuthHandlers, TenantsHandlers, UsersHandlers, TeamsHandlers, ApiKeysHandlers, AuditHandlers],
  providers: [
    // Its own variables from the environment, validated at start-up (a bad one names itself and stops the service).
    { provide: USER_CONFIG, useFactory: (common: CommonConfig) => loadUserConfig(common), inject: [CONFIG] },
    {
      provide: JWT_KEYRING,
      useFactory: (config: UserConfig) =>
        JwtKeyring.load({ JWT_KEYS: config.JWT_KEYS, VIGIL_DATA_DIR: config.VIGIL_DATA_DIR }),
      inject: [USER_CONFIG],
    },
    { provide: CLOCK, useValue: systemClock },
    AuditService,
    PasswordService,
    ThrottleService,
    TokenIssuer,
    RevocationPublisher,
    AuthService,
    TenantsService,
    BootstrapService,
    UsersService,
    TeamsService,
    ApiKeysService,
    RetentionService,
  ],
})
export class UserModule {}
