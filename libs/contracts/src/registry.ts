import { plainToInstance } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage.js';
import { validateSync, type ValidationError } from 'class-validator';
import { EmptyRequest, PingRequest } from './payloads/system.js';
import {
  AlertListQuery,
  AlertNoteRequest,
  AlertStatsQuery,
  AlertTransitionRequest,
  CreateSilenceRequest,
  UpdateSilenceRequest,
  WebhookMapping,
} from './payloads/alert-api.js';
import {
  AcceptInvitationRequest,
  AuditQuery,
  UserListQuery,
  ById,
  CreateApiKeyRequest,
  CreateTeamRequest,
  CreateTenantRequest,
  CreateUserRequest,
  LoginRequest,
  LogoutRequest,
  PrincipalRequest,
  RefreshRequest,
  UpdateTeamRequest,
  UpdateUserRequest,
  VerifyApiKeyRequest,
} from './payloads/user.js';
import {
  CreateMcpServerRequest,
  SimilarAlertsQuery,
  StartInvestigationRequest,
  UpdateMcpServerRequest,
} from './payloads/agent-api.js';
import { HistoryExportRequest, HistorySessionListQuery, HistoryStatsQuery } from './payloads/history-api.js';
import {
  ChannelTestRequest,
  CreateChannelRequest,
  CreateEscalationPolicyRequest,
  CreateRouteRequest,
  DeliveryListQuery,
  RouteTestRequest,
  SlackMessageLookupRequest,
  UpdateChannelRequest,
  UpdateEscalationPolicyRequest,
  UpdateRouteRequest,
} from './payloads/notification-api.js';
import { PageRequest } from './paging.js';
import { EVENT_PAYLOAD_CLASSES } from './events.js';
import type { RoutingKey } from './routing-keys.js';
import { RpcPatterns, type RpcPattern } from './rpc-patterns.js';
import { Envelope } from './envelope.js';
import { surelyValid } from './validation-plan.js';

type PayloadClass = new () => object;

/** The payload class of every routing key and RPC request pattern. */
export const PAYLOAD_CLASSES: Readonly<Record<RoutingKey | RpcPattern, PayloadClass>> = {
  ...EVENT_PAYLOAD_CLASSES,
  [RpcPatterns.GatewayPing]: PingRequest,
  [RpcPatterns.UserPing]: PingRequest,
  [RpcPatterns.AlertPing]: PingRequest,
  [RpcPatterns.AgentRunnerPing]: PingRequest,
  [RpcPatterns.HistoryPing]: PingRequest,
  [RpcPatterns.NotificationPing]: PingRequest,
  [RpcPatterns.UserLogin]: LoginRequest,
  [RpcPatterns.UserRefresh]: RefreshRequest,
  [RpcPatterns.UserLogout]: LogoutRequest,
  [RpcPatterns.UserMe]: EmptyRequest,
  [RpcPatterns.UserPrincipal]: PrincipalRequest,
  [RpcPatterns.UserVerifyApiKey]: VerifyApiKeyRequest,
  [RpcPatterns.UserAcceptInvitation]: AcceptInvitationRequest,
  [RpcPatterns.UserTenantsCreate]: CreateTenantRequest,
  [RpcPatterns.UserTenantsList]: PageRequest,
  [RpcPatterns.UserUsersCreate]: CreateUserRequest,
  [RpcPatterns.UserUsersList]: UserListQuery,
  [RpcPatterns.UserUsersGet]: ById,
  [RpcPatterns.UserUsersUpdate]: UpdateUserRequest,
  [RpcPatterns.UserUsersDeactivate]: ById,
  [RpcPatterns.UserTeamsCreate]: CreateTeamRequest,
  [RpcPatterns.UserTeamsList]: PageRequest,
  [RpcPatterns.UserTeamsGet]: ById,
  [RpcPatterns.UserTeamsUpdate]: UpdateTeamRequest,
  [RpcPatterns.UserTeamsDelete]: ById,
  [RpcPatterns.UserApiKeysCreate]: CreateApiKeyRequest,
  [RpcPatterns.UserApiKeysList]: PageRequest,
  [RpcPatterns.UserApiKeysRevoke]: ById,
  [RpcPatterns.UserAuditList]: AuditQuery,
  [RpcPatterns.AlertList]: AlertListQuery,
  [RpcPatterns.AlertGet]: ById,
  [RpcPatterns.AlertAcknowledge]: AlertTransitionRequest,
  [RpcPatterns.AlertResolve]: AlertTransitionRequest,
  [RpcPatterns.AlertAddNote]: AlertNoteRequest,
  [RpcPatterns.AlertStats]: AlertStatsQuery,
  [RpcPatterns.AlertSilencesCreate]: CreateSilenceRequest,
  [RpcPatterns.AlertSilencesList]: PageRequest,
  [RpcPatterns.AlertSilencesGet]: ById,
  [RpcPatterns.AlertSilencesUpdate]: UpdateSilenceRequest,
  [RpcPatterns.AlertSilencesDelete]: ById,
  [RpcPatterns.AlertRejectedList]: PageRequest,
  [RpcPatterns.AlertWebhookMappingGet]: EmptyRequest,
  [RpcPatterns.AlertWebhookMappingPut]: WebhookMapping,
  [RpcPatterns.AlertSimilar]: SimilarAlertsQuery,
  [RpcPatterns.AgentRunnerAgentsList]: EmptyRequest,
  [RpcPatterns.AgentRunnerInvestigationsStart]: StartInvestigationRequest,
  [RpcPatterns.AgentRunnerMcpServersCreate]: CreateMcpServerRequest,
  [RpcPatterns.AgentRunnerMcpServersList]: EmptyRequest,
  [RpcPatterns.AgentRunnerMcpServersGet]: ById,
  [RpcPatterns.AgentRunnerMcpServersUpdate]: UpdateMcpServerRequest,
  [RpcPatterns.AgentRunnerMcpServersDelete]: ById,
  [RpcPatterns.HistorySessionsList]: HistorySessionListQuery,
  [RpcPatterns.HistorySessionGet]: ById,
  [RpcPatterns.HistorySessionSummary]: ById,
  [RpcPatterns.HistoryActiveSessions]: PageRequest,
  [RpcPatterns.HistoryFilterOptions]: EmptyRequest,
  [RpcPatterns.HistorySessionExport]: HistoryExportRequest,
  [RpcPatterns.HistoryStats]: HistoryStatsQuery,
  [RpcPatterns.NotificationChannelsCreate]: CreateChannelRequest,
  [RpcPatterns.NotificationChannelsList]: EmptyRequest,
  [RpcPatterns.NotificationChannelsGet]: ById,
  [RpcPatterns.NotificationChannelsUpdate]: UpdateChannelRequest,
  [RpcPatterns.NotificationChannelsDelete]: ById,
  [RpcPatterns.NotificationChannelsTest]: ChannelTestRequest,
  [RpcPatterns.NotificationRoutesCreate]: CreateRouteRequest,
  [RpcPatterns.NotificationRoutesList]: EmptyRequest,
  [RpcPatterns.NotificationRoutesGet]: ById,
  [RpcPatterns.NotificationRoutesUpdate]: UpdateRouteRequest,
  [RpcPatterns.NotificationRoutesDelete]: ById,
  [RpcPatterns.NotificationRoutesTest]: RouteTestRequest,
  [RpcPatterns.NotificationEscalationPoliciesCreate]: CreateEscalationPolicyRequest,
  [RpcPatterns.NotificationEscalationPoliciesList]: EmptyRequest,
  [RpcPatterns.NotificationEscalationPoliciesGet]: ById,
  [RpcPatterns.NotificationEscalationPoliciesUpdate]: UpdateEscalationPolicyRequest,
  [RpcPatterns.NotificationEscalationPoliciesDelete]: ById,
  [RpcPatterns.NotificationDeliveriesList]: DeliveryListQuery,
  [RpcPatterns.NotificationSlackMessageLookup]: SlackMessageLookupRequest,
};

export function payloadClassOf(type: string): PayloadClass | undefined {
  return (PAYLOAD_CLASSES as Record<string, PayloadClass>)[type];
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Flattens class-validator errors to `path: message` lines that name the offending field. */
export function describeValidationErrors(errors: ValidationError[], prefix = ''): string[] {
  const lines: string[] = [];
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) lines.push(`${path}: ${message}`);
    if (error.children?.length) lines.push(...describeValidationErrors(error.children, path));
  }
  return lines;
}

/** Keys that make class-transformer walk into prototypes (and throw) instead of reading data. */
const PROTOTYPE_KEYS = new Set(['constructor', '__proto__', 'prototype']);

function hasPrototypeKey(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 512) return false;
  if (Array.isArray(value)) return value.some((item) => hasPrototypeKey(item, depth + 1));
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key) || hasPrototypeKey((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function renamePrototypeKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(renamePrototypeKeys);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    copy[PROTOTYPE_KEYS.has(key) ? `\u0000${key}` : key] = renamePrototypeKeys(item);
  return copy;
}

/**
 * Free-form JSON (an alert's `data`, its labels) may legitimately hold keys such as `constructor`;
 * no contract class declares such a property, so validation runs on a copy where they are renamed.
 * The caller keeps the original.
 */
function withoutPrototypeKeys(plain: object): object {
  return hasPrototypeKey(plain) ? (renamePrototypeKeys(plain) as object) : plain;
}

type Constructor = new () => object;

/** How each property of a class is made from JSON: as it is, as an instance of a nested class, or by class-transformer. */
type PropertyPlan = { kind: 'as-is' } | { kind: 'nested'; type: Constructor } | { kind: 'transformer' };
const plans = new WeakMap<Constructor, Map<string, PropertyPlan>>();

function planOf(cls: Constructor, key: string): PropertyPlan {
  let byKey = plans.get(cls);
  if (!byKey) plans.set(cls, (byKey = new Map()));
  let plan = byKey.get(key);
  if (!plan) {
    const type = defaultMetadataStorage.findTypeMetadata(cls, key);
    const custom =
      defaultMetadataStorage.getStrategy(cls) !== 'none' ||
      defaultMetadataStorage.findExposeMetadata(cls, key) !== undefined ||
      defaultMetadataStorage.findExcludeMetadata(cls, key) !== undefined ||
      defaultMetadataStorage.findTransformMetadatas(cls, key, 0).length > 0 ||
      (type !== undefined && type.options?.discriminator !== undefined);
    plan = custom
      ? { kind: 'transformer' }
      : type
        ? { kind: 'nested', type: type.typeFunction() as Constructor }
        : { kind: 'as-is' };
    byKey.set(key, plan);
  }
  return plan;
}

/**
 * `plainToInstance`, without copying what needs no conversion: class-transformer walks and copies
 * every nested object and array (an LLM exchange's whole conversation, an alert's data) although only
 * the properties declared with `@Type` become instances. Here only those do; a property with a
 * custom transform, exposure rule or discriminator hands the whole object to class-transformer.
 */
function toInstance<T extends object>(cls: new () => T, plain: object): T {
  const source = plain as Record<string, unknown>;
  const keys = Object.keys(source);
  const plansOfKeys = keys.map((key) => planOf(cls, key));
  if (plansOfKeys.some((plan) => plan.kind === 'transformer')) return plainToInstance(cls, plain);
  const instance = new cls() as Record<string, unknown>;
  keys.forEach((key, i) => {
    const plan = plansOfKeys[i]!;
    const value = source[key];
    instance[key] =
      plan.kind === 'nested' && value !== null && typeof value === 'object'
        ? plainToInstance(plan.type, value as object)
        : value;
  });
  return instance as T;
}

/**
 * Validates a plain object against a class-validator class. Unknown extra fields are tolerated
 * (a newer producer may add one: consumers read what they know), wrong or missing ones are not.
 */
export function validateAs<T extends object>(cls: new () => T, plain: unknown): Validation<T> {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    return { ok: false, problems: ['expected a JSON object'] };
  }
  const instance = toInstance(cls, withoutPrototypeKeys(plain));
  if (surelyValid(instance)) return { ok: true, value: instance };
  // forbidUnknownValues off: a request class without fields (EmptyRequest) is valid when empty.
  const errors = validateSync(instance, { forbidUnknownValues: false });
  return errors.length ? { ok: false, problems: describeValidationErrors(errors) } : { ok: true, value: instance };
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ROUTING_KEY = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ACTOR_KINDS_SET: ReadonlySet<string> = new Set(['user', 'api-key', 'service', 'system']);

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/**
 * The rules of the Envelope class, checked by hand: every consumer runs this on every message,
 * and class-validator costs several times more for the same answer. envelope.spec.ts checks both
 * agree.
 */
export function envelopeProblems(plain: unknown): string[] {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) return ['expected a JSON object'];
  const e = plain as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof e.id !== 'string' || !UUID_V7.test(e.id)) problems.push('id: id must be a UUIDv7');
  if (typeof e.type !== 'string' || !ROUTING_KEY.test(e.type))
    problems.push('type: type must be a dotted routing key such as alert.created');
  if (!isText(e.tenantId, 64))
    problems.push(
      typeof e.tenantId === 'string' && e.tenantId.length > 64
        ? 'tenantId: tenantId must be shorter than or equal to 64 characters'
        : 'tenantId: tenantId is required',
    );
  if (typeof e.occurredAt !== 'string' || !ISO_MICROS.test(e.occurredAt))
    problems.push('occurredAt: occurredAt must be ISO-8601 UTC with microseconds');
  if (!isText(e.correlationId, 128))
    problems.push('correlationId: correlationId must be a non-empty string of at most 128 characters');
  if (typeof e.schemaVersion !== 'number' || !Number.isInteger(e.schemaVersion) || e.schemaVersion < 1)
    problems.push('schemaVersion: schemaVersion must be an integer of at least 1');
  if (e.actor !== undefined) {
    const a = e.actor as Record<string, unknown> | null;
    if (a === null || typeof a !== 'object' || Array.isArray(a)) problems.push('actor: actor must be an object');
    else {
      if (typeof a.kind !== 'string' || !ACTOR_KINDS_SET.has(a.kind))
        problems.push('actor.kind: kind must be one of user, api-key, service, system');
      if (!isText(a.id, 200)) problems.push('actor.id: id must be a non-empty string of at most 200 characters');
      if (a.ip !== undefined && (typeof a.ip !== 'string' || a.ip.length > 64))
        problems.push('actor.ip: ip must be a string of at most 64 characters');
    }
  }
  if (e.payload === null || typeof e.payload !== 'object' || Array.isArray(e.payload))
    problems.push('payload: payload must be a JSON object');
  return problems;
}

/** Validates an envelope, then its payload against the class registered for its type. */
export function validateEnvelope(plain: unknown): Validation<Envelope<object>> {
  const problems = envelopeProblems(plain);
  if (problems.length) return { ok: false, problems };
  const envelope = plain as Envelope<object>;
  const cls = payloadClassOf(envelope.type);
  if (!cls) return { ok: false, problems: [`type: unknown routing key or RPC pattern "${envelope.type}"`] };
  const payload = validateAs(cls, envelope.payload);
  if (!payload.ok) return { ok: false, problems: payload.problems.map((p) => `payload.${p}`) };
  // Keep the payload as sent (plain JSON); the instance is only for validation.
  return { ok: true, value: envelope };
}
