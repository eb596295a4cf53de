import { SecretsKeyConfig } from '@vigil/auth';
import { Env, IsIntegerIn, IsParsedBy, IsUrlWithScheme, loadServiceConfig, type CommonConfig } from '@vigil/config';
import { parseAllowedCidrs } from '@vigil/netguard';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/**
 * The notification service's variables: where Slack and the SMTP server are, the sender, the link to
 * Vigil in messages. SECRETS_KEY (channel tokens and webhook URLs, sealed at rest) is SecretsKeyConfig's.
 */
export class NotificationConfig extends SecretsKeyConfig {
  @Env(
    'notification service: the Slack Web API base every slack channel posts to (any Slack-compatible endpoint); a slack-webhook URL on the same origin may be http',
  )
  @IsUrlWithScheme(['http', 'https'], { message: 'must be an http(s) URL' })
  SLACK_API_URL = 'https://slack.com/api/';

  @Env(
    'notification service: SMTP server of email channels that name none of their own, smtp://user:pass@host:587 (STARTTLS) or smtps://host:465; unset: such channels cannot send',
    { secret: true },
  )
  @IsOptional()
  @IsUrlWithScheme(['smtp', 'smtps'], { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @Env('notification service: the sender of emails whose channel names none of its own')
  @IsString()
  @MinLength(3)
  @MaxLength(320)
  SMTP_FROM = 'Vigil <vigil@localhost>';

  @Env("notification service: Vigil's address as users reach it, for the alert links in messages; unset: no link")
  @IsOptional()
  @IsUrlWithScheme(['http', 'https'], { message: 'must be an http(s) URL' })
  PUBLIC_URL?: string;

  @Env(
    "notification service: comma-separated CIDRs of private addresses that tenants' webhook URLs may reach (default: public addresses only)",
  )
  @IsOptional()
  @IsParsedBy((text) => parseAllowedCidrs(text, 'NOTIFY_ALLOWED_CIDRS'))
  NOTIFY_ALLOWED_CIDRS?: string;

  @Env('notification service: longest wait for Slack or the SMTP server on one attempt, in milliseconds')
  @IsIntegerIn(100, 120_000, 'milliseconds')
  NOTIFY_PROVIDER_TIMEOUT_MS = 10_000;

  @Env(
    'notification service: days a settled delivery (delivered, failed, rolled up) and its attempts are kept; older ones are deleted hourly in small batches, pending and held ones never',
  )
  @IsIntegerIn(1, 36_500, 'days')
  NOTIFY_RETENTION_DAYS = 30;
}

export function loadNotificationConfig(
  common: CommonConfig,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<NotificationConfig> {
  return loadServiceConfig(NotificationConfig, common, env);
}

export const NOTIFICATION_CONFIG = Symbol('NOTIFICATION_CONFIG');
