import { CommonConfig, Env, IsIntegerIn, loadServiceConfig } from '@vigil/config';
import { JwtKeysConfig } from '@vigil/auth';
import { IsBoolean, IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** The user service's variables: tokens, the first admin, login throttling, retention. */
export class UserConfig extends JwtKeysConfig {
  @Env('lifetime of an access token, in seconds')
  @IsIntegerIn(60, 86_400, 'seconds')
  JWT_ACCESS_TTL_SECONDS = 900;

  @Env('lifetime of a refresh token, in days (each refresh issues a new one)')
  @IsIntegerIn(1, 365, 'days')
  REFRESH_TTL_DAYS = 14;

  @Env('email of the admin created on first start with an empty store; default admin@vigil.local')
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  VIGIL_ADMIN_EMAIL?: string;

  @Env(
    'password of that first admin; standalone: unset → a random one is printed once on stderr; distributed: unset → no admin is created',
    { secret: true },
  )
  @IsOptional()
  @IsString()
  @MaxLength(256, { message: 'must be at most 256 characters' })
  VIGIL_ADMIN_PASSWORD?: string;

  @Env('slug of the tenant created on first start')
  @Matches(SLUG, { message: 'must be lowercase letters, digits and dashes (at most 64)' })
  VIGIL_DEFAULT_TENANT = 'default';

  @Env('whether that first admin is a platform admin (may create tenants)')
  @IsBoolean({ message: 'must be true or false' })
  VIGIL_PLATFORM_ADMIN = true;

  @Env(
    'failed sign-ins for one email from one client address (within LOGIN_FAILURE_WINDOW_SECONDS) before that pair is locked',
  )
  @IsIntegerIn(1, undefined, 'count')
  LOGIN_MAX_FAILURES = 5;

  @Env(
    'failed sign-ins for one email from one client address after which each further attempt must wait (1 s, 2 s, 4 s, ...) until the lock',
  )
  @IsIntegerIn(1, undefined, 'count')
  LOGIN_SLOWDOWN_AFTER = 3;

  @Env(
    'failed sign-ins from one client address, whatever the emails (within the window), before that address is locked',
  )
  @IsIntegerIn(1, undefined, 'count')
  LOGIN_MAX_FAILURES_PER_IP = 50;

  @Env('how long failed sign-ins are remembered, in seconds')
  @IsIntegerIn(1, undefined, 'seconds')
  LOGIN_FAILURE_WINDOW_SECONDS = 900;

  @Env('how long a locked email and address pair, or address, must wait, in seconds')
  @IsIntegerIn(1, undefined, 'seconds')
  LOGIN_LOCKOUT_SECONDS = 900;

  @Env('how long an invitation token stays valid, in hours')
  @IsIntegerIn(1, undefined, 'hours')
  INVITATION_TTL_HOURS = 72;

  @Env('how often at most an API key\'s "last used" time is written, in seconds')
  @IsIntegerIn(1, undefined, 'seconds')
  API_KEY_LAST_USED_INTERVAL_SECONDS = 60;

  @Env('days an audit log entry is kept; older ones are deleted hourly in small batches')
  @IsIntegerIn(1, 36_500, 'days')
  AUDIT_RETENTION_DAYS = 365;

  @Env(
    'hours a sign-in throttling record is kept once its failure window and its lock (if any) have ended; older ones are deleted hourly in small batches',
  )
  @IsIntegerIn(1, 8760, 'hours')
  LOGIN_ATTEMPTS_RETENTION_HOURS = 24;
}

/**
 * The user service's configuration: its own variables from the environment, the common ones exactly
 * as the runtime resolved them (`common`), so mode and data directory agree with the rest of the process.
 */
export function loadUserConfig(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<UserConfig> {
  return loadServiceConfig(UserConfig, common, env);
}
