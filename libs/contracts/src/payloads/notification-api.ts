import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { SEVERITIES, type Severity } from './alert.js';
import { LabelMatcher } from './alert-api.js';
import { CHANNEL_TYPES, type ChannelType } from './notification.js';
import { PageRequest, type Page } from '../paging.js';

// ---- shared rules ------------------------------------------------------------------------------

/** Names of channels, routes and escalation policies: unique in the tenant. */
export const NOTIFICATION_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
const NAME_RULE = 'name must be 1 to 64 letters, digits, spaces, ".", "-" or "_", starting with a letter or digit';

/** How many of each a tenant may have: the lists answer in one page. */
export const NOTIFICATION_LIMITS = {
  channels: 100,
  routes: 100,
  escalationPolicies: 50,
  channelsPerRoute: 20,
  escalationSteps: 10,
} as const;

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function IsTimeZone(): PropertyDecorator {
  return (prototype, key) => {
    registerDecorator({
      name: 'isTimeZone',
      target: prototype.constructor,
      propertyName: String(key),
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isTimeZone(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'timeZone'} must be an IANA time zone such as Europe/Paris or UTC, not ${JSON.stringify(args?.value)}`,
      },
    });
  };
}

// ---- channels ----------------------------------------------------------------------------------

/**
 * POST /api/v1/notifications/channels. `config` holds what may be shown, `secrets` what is stored
 * encrypted and never returned; which fields each type takes is in docs/access.md (Notifications):
 * slack `{config: {channelId}, secrets: {botToken}}`, slack-webhook `{secrets: {webhookUrl}}`,
 * email `{config: {to: [...], from?}, secrets: {smtpUrl?}}`.
 */
export class CreateChannelRequest {
  @IsString()
  @Matches(NOTIFICATION_NAME, { message: NAME_RULE })
  name!: string;

  @IsIn(CHANNEL_TYPES, { message: `type must be one of ${CHANNEL_TYPES.join(', ')}` })
  type!: ChannelType;

  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  secrets?: Record<string, unknown>;
}

/**
 * PATCH /api/v1/notifications/channels/:channelId: what is given changes; `config` replaces the
 * shown settings, `secrets` replaces the secrets it names (`null` removes an optional one). The type
 * never changes.
 */
export class ChannelChanges {
  @IsOptional()
  @IsString()
  @Matches(NOTIFICATION_NAME, { message: NAME_RULE })
  name?: string;

  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  secrets?: Record<string, unknown>;
}

export class UpdateChannelRequest extends ChannelChanges {
  @IsUUID()
  id!: string;
}

/** A channel as the API shows it: its secrets by name only. */
export interface ChannelView {
  id: string;
  name: string;
  type: ChannelType;
  config: Record<string, unknown>;
  /** Names of the secrets stored for it (their values are never returned). */
  secretsSet: string[];
  /** False after a permanent delivery failure (invalid token, unknown channel, rejected address) until a send succeeds or the channel is changed. */
  healthy: boolean;
  lastError: string | null;
  lastErrorAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** POST …/channels/:channelId/test: the test message's text, when not the default one. */
export class ChannelTestBody {
  @IsOptional()
  @IsString()
  @MaxLength(500)
  message?: string;
}

/** notification.channels.test: which channel, and the optional text. */
export class ChannelTestRequest extends ChannelTestBody {
  @IsUUID()
  id!: string;
}

/** POST …/channels/:channelId/test: what the provider answered to a test message. */
export interface ChannelTestResult {
  ok: boolean;
  /** The provider's own answer (Slack's JSON, the SMTP server's reply). */
  providerResponse: unknown;
  /** When not ok: why, and whether a retry could succeed (`transient`) or not (`permanent`: the channel is now unhealthy). */
  error: string | null;
  errorKind: 'transient' | 'permanent' | null;
  channel: ChannelView;
}

// ---- routes ------------------------------------------------------------------------------------

/** The alert changes a route may be notified of: `occurrence` (a repeat of an open alert) and `note` only when named. */
export const NOTIFICATION_EVENT_KINDS = [
  'created',
  'retriggered',
  'acknowledged',
  'resolved',
  'analysed',
  'occurrence',
  'note',
] as const;
export type NotificationEventKind = (typeof NOTIFICATION_EVENT_KINDS)[number];
/** What a route that names no `eventKinds` is told about. */
export const DEFAULT_NOTIFICATION_EVENT_KINDS: readonly NotificationEventKind[] = [
  'created',
  'retriggered',
  'acknowledged',
  'resolved',
  'analysed',
];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Bounds of a route's timing, in seconds (Alertmanager's defaults: 30 s, 5 min, 4 h). */
export const ROUTE_TIMING = {
  groupWaitSeconds: { min: 0, max: 3_600, default: 30 },
  groupIntervalSeconds: { min: 1, max: 86_400, default: 300 },
  repeatIntervalSeconds: { min: 60, max: 7 * 86_400, default: 14_400 },
} as const;

const CLOCK_TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
/** A label name as Prometheus allows it. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ALERT_TYPE_GLOB_MAX = 256;

/**
 * Hours when a route holds its messages (sent as one digest when they end), read in `timeZone`:
 * from `start` to `end` (24-hour `HH:MM`; `end` before `start` spans midnight), on `days` (the day
 * the quiet period starts; default every day). Alerts at `overrideSeverity` or above are sent anyway.
 */
export class QuietHours {
  @IsString()
  @IsTimeZone()
  timeZone!: string;

  @Matches(CLOCK_TIME, { message: 'start must be a 24-hour time HH:MM, e.g. 22:00' })
  start!: string;

  @Matches(CLOCK_TIME, { message: 'end must be a 24-hour time HH:MM, e.g. 07:00' })
  end!: string;

  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(WEEKDAYS, { each: true, message: `days must be among ${WEEKDAYS.join(', ')}` })
  days?: Weekday[];

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsIn(SEVERITIES, { message: `overrideSeverity must be one of ${SEVERITIES.join(', ')}` })
  overrideSeverity?: Severity | null;
}

/** The fields of a route; absent ones take the defaults named here. */
export class RouteFields {
  /** At least this severity (default: any). */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsIn(SEVERITIES, { message: `minSeverity must be one of ${SEVERITIES.join(', ')}` })
  minSeverity?: Severity | null;

  /** Globs over the alert type (`*` any run, `?` one character, case-sensitive); any of them (default: every type). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(ALERT_TYPE_GLOB_MAX, { each: true })
  alertTypes?: string[];

  /** Label matchers, all must hold: `=`, `!=`, `=~`, `!~` (RE2, whole value), as silences take them. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => LabelMatcher)
  labelMatchers?: LabelMatcher[];

  /** Which changes it notifies (default: DEFAULT_NOTIFICATION_EVENT_KINDS). */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(NOTIFICATION_EVENT_KINDS, {
    each: true,
    message: `eventKinds must be among ${NOTIFICATION_EVENT_KINDS.join(', ')}`,
  })
  eventKinds?: NotificationEventKind[];

  /** Keep looking at the routes after this one when it matches (default false: the first match wins). */
  @IsOptional()
  @IsBoolean()
  continue?: boolean;

  /** Label names: alerts with the same values are sent as one message. Empty (default): each alert on its own. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(LABEL_NAME, { each: true, message: 'groupBy must hold label names ([A-Za-z_][A-Za-z0-9_]*)' })
  groupBy?: string[];

  @IsOptional()
  @IsInt()
  @Min(ROUTE_TIMING.groupWaitSeconds.min)
  @Max(ROUTE_TIMING.groupWaitSeconds.max)
  groupWaitSeconds?: number;

  @IsOptional()
  @IsInt()
  @Min(ROUTE_TIMING.groupIntervalSeconds.min)
  @Max(ROUTE_TIMING.groupIntervalSeconds.max)
  groupIntervalSeconds?: number;

  @IsOptional()
  @IsInt()
  @Min(ROUTE_TIMING.repeatIntervalSeconds.min)
  @Max(ROUTE_TIMING.repeatIntervalSeconds.max)
  repeatIntervalSeconds?: number;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @ValidateNested()
  @Type(() => QuietHours)
  quietHours?: QuietHours | null;

  /** An email channel that gets the message when a Slack channel of this route fails permanently. */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'fallbackEmailChannelId must be a UUID' })
  fallbackEmailChannelId?: string | null;

  /** Runs while a critical or high alert of this route stays unacknowledged. */
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID('all', { message: 'escalationPolicyId must be a UUID' })
  escalationPolicyId?: string | null;
}

/** POST /api/v1/notifications/routes. */
export class CreateRouteRequest extends RouteFields {
  @IsString()
  @Matches(NOTIFICATION_NAME, { message: NAME_RULE })
  name!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_LIMITS.channelsPerRoute)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'channelIds must hold channel ids (UUIDs)' })
  channelIds!: string[];

  /** Where it goes in the tenant's ordered list (0 first); default: last. */
  @IsOptional()
  @IsInt()
  @Min(0)
  position?: number;
}

/** PATCH …/routes/:routeId: what is given changes (`null` clears an optional field); `position` moves it. */
export class RouteChanges extends RouteFields {
  @IsOptional()
  @IsString()
  @Matches(NOTIFICATION_NAME, { message: NAME_RULE })
  name?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_LIMITS.channelsPerRoute)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'channelIds must hold channel ids (UUIDs)' })
  channelIds?: string[];

  @IsOptional()
  @IsInt()
  @Min(0)
  position?: number;
}

export class UpdateRouteRequest extends RouteChanges {
  @IsUUID()
  id!: string;
}

export interface QuietHoursView {
  timeZone: string;
  start: string;
  end: string;
  days: Weekday[];
  overrideSeverity: Severity | null;
}

export interface LabelMatcherView {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A route as the API shows it and the engine reads it: every default filled in. */
export interface RouteView {
  id: string;
  name: string;
  /** Its place in the tenant's list, 0 first. */
  position: number;
  minSeverity: Severity | null;
  alertTypes: string[];
  labelMatchers: LabelMatcherView[];
  eventKinds: NotificationEventKind[];
  channelIds: string[];
  fallbackEmailChannelId: string | null;
  continue: boolean;
  groupBy: string[];
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
  quietHours: QuietHoursView | null;
  escalationPolicyId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** POST /api/v1/notifications/routes/test: an alert as the routes would see it. */
export class RouteTestRequest {
  @IsString()
  @MaxLength(256)
  alertType!: string;

  @IsIn(SEVERITIES, { message: `severity must be one of ${SEVERITIES.join(', ')}` })
  severity!: Severity;

  @IsOptional()
  @IsObject()
  labels?: Record<string, string>;

  @IsOptional()
  @IsIn(NOTIFICATION_EVENT_KINDS, { message: `eventKind must be one of ${NOTIFICATION_EVENT_KINDS.join(', ')}` })
  eventKind?: NotificationEventKind;
}

export interface RouteTestChannel {
  id: string;
  name: string;
  type: ChannelType;
  healthy: boolean;
}

/**
 * Which routes (in order) take the alert: a route is chosen by its matchers (the first that matches,
 * and the ones after it while a matched route says `continue`); `notified` says whether it sends this
 * event kind. `channels`: every channel the event reaches, once each, in the order first reached.
 */
export interface RouteTestResult {
  eventKind: NotificationEventKind;
  routes: {
    id: string;
    name: string;
    position: number;
    notified: boolean;
    continue: boolean;
    channels: RouteTestChannel[];
  }[];
  channels: RouteTestChannel[];
}

// ---- escalation policies -------------------------------------------------------------------------

export const ESCALATION_LIMITS = { waitMinutes: { min: 0, max: 1_440 }, repeat: { min: 0, max: 10 } } as const;

/** One step: after `waitMinutes` (from the previous step, or from the alert for the first), notify `channelIds`. */
export class EscalationStep {
  @IsInt()
  @Min(ESCALATION_LIMITS.waitMinutes.min)
  @Max(ESCALATION_LIMITS.waitMinutes.max)
  waitMinutes!: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_LIMITS.channelsPerRoute)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'channelIds must hold channel ids (UUIDs)' })
  channelIds!: string[];
}

/** POST /api/v1/notifications/escalation-policies. */
export class CreateEscalationPolicyRequest {
  @IsString()
  @Matches(NOTIFICATION_NAME, { message: NAME_RULE })
  name!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_LIMITS.escalationSteps)
  @ValidateNested({ each: true })
  @Type(() => EscalationStep)
  steps!: EscalationStep[];

  /** How many more times the whole sequence runs after the first (default 0). */
  @IsOptional()
  @IsInt()
  @Min(ESCALATION_LIMITS.repeat.min)
  @Max(ESCALATION_LIMITS.repeat.max)
  repeat?: number;
}

/** PATCH …/escalation-policies/:policyId: what is given changes; `steps` replaces them all. */
export class EscalationPolicyChanges {
  @IsOptional()
  @IsString()
  @Matches(NOTIFICATION_NAME, { message: NAME_RULE })
  name?: string;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(NOTIFICATION_LIMITS.escalationSteps)
  @ValidateNested({ each: true })
  @Type(() => EscalationStep)
  steps?: EscalationStep[];

  @IsOptional()
  @IsInt()
  @Min(ESCALATION_LIMITS.repeat.min)
  @Max(ESCALATION_LIMITS.repeat.max)
  repeat?: number;
}

export class UpdateEscalationPolicyRequest extends EscalationPolicyChanges {
  @IsUUID()
  id!: string;
}

export interface EscalationPolicyView {
  id: string;
  name: string;
  steps: { waitMinutes: number; channelIds: string[] }[];
  repeat: number;
  createdAt: string;
  updatedAt: string;
}

// ---- deliveries ----------------------------------------------------------------------------------

/**
 * pending: waiting to be sent (group wait, pacing, retry); sending: an attempt is under way; held: kept
 * for the digest after quiet hours; grouped: sent inside a group, digest or roll-up message.
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed', 'held', 'grouped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const INSTANT_MESSAGE = '$property must be an ISO-8601 instant with a zone, e.g. 2026-11-22T15:16:26Z';

/** GET /api/v1/notifications/deliveries: filters AND-combined, newest first, keyset pages. */
export class DeliveryListQuery extends PageRequest {
  @IsOptional()
  @IsUUID('all', { message: 'alertId must be a UUID' })
  alertId?: string;

  @IsOptional()
  @IsUUID('all', { message: 'channelId must be a UUID' })
  channelId?: string;

  @IsOptional()
  @IsArray()
  @IsIn(DELIVERY_STATUSES, { each: true, message: `status must be among ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus[];

  /** Created at or after. */
  @IsOptional()
  @Matches(ISO_INSTANT, { message: INSTANT_MESSAGE })
  from?: string;

  /** Created before. */
  @IsOptional()
  @Matches(ISO_INSTANT, { message: INSTANT_MESSAGE })
  to?: string;
}

export interface DeliveryAttemptView {
  attempt: number;
  at: string;
  ok: boolean;
  providerResponse: unknown;
  error: string | null;
}

/** One notification of one alert change on one channel through one route, with its attempts. */
export interface DeliveryView {
  id: string;
  alertId: string;
  routeId: string | null;
  channelId: string;
  channelType: ChannelType;
  /** created, retriggered, acknowledged, resolved, analysed, escalation, group, digest, rollup. */
  kind: string;
  status: DeliveryStatus;
  attempts: DeliveryAttemptView[];
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

export type DeliveryPage = Page<DeliveryView>;

// ---- Slack interactivity -------------------------------------------------------------------------

/**
 * Which alert a clicked Slack message belongs to (asked on the platform's behalf: the click names no
 * tenant). `userId` is the Slack user who clicked: the answer carries their email when the channel's
 * bot token can read it (`users.info`).
 */
export class SlackMessageLookupRequest {
  @IsString()
  @MaxLength(64)
  channel!: string;

  @IsString()
  @Matches(/^\d{1,12}\.\d{1,9}$/, { message: 'ts must be a Slack message timestamp such as 1700000000.000100' })
  ts!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  userId?: string;
}

export interface SlackMessageOwner {
  tenantId: string;
  alertId: string;
  /** The Vigil channel the message was sent through. */
  channelId: string;
  /** The clicking Slack user's email, when known. */
  userEmail: string | null;
}
