import { CommonConfig, Env, loadServiceConfig } from '@vigil/config';
import { JwtKeyring } from '@vigil/auth';
import {
  IsBoolean,
  IsDefined,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
} from 'class-validator';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** JWT_KEYS must parse as a keyring; the message says why it does not. */
function IsJwtKeys(): PropertyDecorator {
  return (prototype, key) => {
    registerDecorator({
      name: 'isJwtKeys',
      target: prototype.constructor,
      propertyName: String(key),
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string') return false;
          try {
            JwtKeyring.parse(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage(args): string {
          try {
            JwtKeyring.parse(String(args?.value));
            return 'is invalid';
          } catch (error) {
            return `is invalid: ${(error as Error).message}`;
          }
        },
      },
    });
  };
}

const positive = (what: string) => ({ message: `must be a positive integer (${what})` });

/** The user service's variables (design.md §4): tokens, the first admin, login throttling. */
export class UserConfig extends CommonConfig {
  @Env(
    'JWT signing keys "kid:secret[,kid:secret]" (the first signs, all verify; secrets of at least 32 bytes); required in distributed mode; standalone default: a key generated once in VIGIL_DATA_DIR',
  )
  @ValidateIf((config: UserConfig) => config.VIGIL_MODE === 'distributed' || config.JWT_KEYS !== undefined)
  @IsDefined({ message: 'is required when VIGIL_MODE is distributed (e.g. JWT_KEYS=k1:<48 random bytes, base64url>)' })
  @IsJwtKeys()
  JWT_KEYS?: string;

  @Env('lifetime of an access token, in seconds')
  @IsInt(positive('seconds, 60 to 86400'))
  @Min(60, positive('seconds, 60 to 86400'))
  @Max(86_400, positive('seconds, 60 to 86400'))
  JWT_ACCESS_TTL_SECONDS = 900;

  @Env('lifetime of a refresh token, in days (each refresh issues a new one)')
  @IsInt(positive('days, 1 to 365'))
  @Min(1, positive('days, 1 to 365'))
  @Max(365, positive('days, 1 to 365'))
  REFRESH_TTL_DAYS = 14;

  @Env('email of the admin created on first start with an empty store; default admin@vigil.local')
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  VIGIL_ADMIN_EMAIL?: string;

  @Env(
    'password of that first admin; standalone: unset → a random one is printed once on stderr; distributed: unset → no admin is created',
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

  @Env('failed sign-ins for one email (within LOGIN_FAILURE_WINDOW_SECONDS) before it is locked')
  @IsInt(positive('count'))
  @Min(1, positive('count'))
  LOGIN_MAX_FAILURES = 5;

  @Env('failed sign-ins for one email after which each further attempt must wait (1 s, 2 s, 4 s, ...) until the lock')
  @IsInt(positive('count'))
  @Min(1, positive('count'))
  LOGIN_SLOWDOWN_AFTER = 3;

  @Env('failed sign-ins from one client address (within the window) before that address is locked')
  @IsInt(positive('count'))
  @Min(1, positive('count'))
  LOGIN_MAX_FAILURES_PER_IP = 50;

  @Env('how long failed sign-ins are remembered, in seconds')
  @IsInt(positive('seconds'))
  @Min(1, positive('seconds'))
  LOGIN_FAILURE_WINDOW_SECONDS = 900;

  @Env('how long a locked email or address must wait, in seconds')
  @IsInt(positive('seconds'))
  @Min(1, positive('seconds'))
  LOGIN_LOCKOUT_SECONDS = 900;

  @Env('how long an invitation token stays valid, in hours')
  @IsInt(positive('hours'))
  @Min(1, positive('hours'))
  INVITATION_TTL_HOURS = 72;

  @Env('how often at most an API key\'s "last used" time is written, in seconds')
  @IsInt(positive('seconds'))
  @Min(1, positive('seconds'))
  API_KEY_LAST_USED_INTERVAL_SECONDS = 60;
}

/**
 * The user service's configuration: its own variables from the environment, the common ones exactly
 * as the runtime resolved them (`common`), so mode and data directory agree with the rest of the process.
 */
export function loadUserConfig(common: CommonConfig, env: NodeJS.ProcessEnv = process.env): Readonly<UserConfig> {
  return loadServiceConfig(UserConfig, common, env);
}
