import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageRequest } from '../paging.js';

/** Viewers read; operators acknowledge, resolve and post alerts; managers edit rules, channels and
 * teams; admins manage users and API keys (docs/architecture.md, "Roles"). */
export const ROLES = ['admin', 'manager', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** API key scopes. `admin` lets a key do what an admin user may on the admin routes. */
export const API_KEY_SCOPES = ['alerts:write', 'alerts:read', 'history:read', 'notifications:write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const NAME_MAX = 200;
const EMAIL_MAX = 254;
const PASSWORD_MAX = 256;

// ---- sign-in -----------------------------------------------------------------------------------

export class LoginRequest {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(EMAIL_MAX)
  email!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX)
  password!: string;

  /** Tenant slug; needed only when the same email has accounts in several tenants. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tenant?: string;

  /** Client address as the gateway saw it, for throttling and the audit log. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  ip?: string;
}

export class RefreshRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  refreshToken!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  ip?: string;
}

export class LogoutRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  refreshToken!: string;
}

/** The OAuth2-style token response of login and refresh. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
}

/** Who a valid access token belongs to, now: the gateway re-checks (cached briefly) that the user is still active. */
export class PrincipalRequest {
  @IsUUID()
  userId!: string;
}

export interface PrincipalView {
  userId: string;
  tenantId: string;
  role: Role;
  active: boolean;
  platformAdmin: boolean;
}

export class VerifyApiKeyRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  key!: string;
}

export interface ApiKeyPrincipal {
  keyId: string;
  tenantId: string;
  name: string;
  scopes: ApiKeyScope[];
}

// ---- tenants -----------------------------------------------------------------------------------

export class NewTenantAdmin {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(EMAIL_MAX)
  email!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX)
  password!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;
}

export class CreateTenantRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  /** URL-safe short name; derived from the name when omitted. */
  @IsOptional()
  @Matches(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, {
    message: 'slug must be lowercase letters, digits and dashes (at most 64)',
  })
  slug?: string;

  @ValidateNested()
  @Type(() => NewTenantAdmin)
  admin!: NewTenantAdmin;
}

export interface TenantView {
  id: string;
  name: string;
  slug: string;
  createdAt: string;
}

// ---- users -------------------------------------------------------------------------------------

export class CreateUserRequest {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(EMAIL_MAX)
  email!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role!: Role;

  @IsOptional()
  @IsUUID()
  teamId?: string;

  /** Omitted: the user is invited; the response carries a one-time invitation token. */
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX)
  password?: string;
}

/** The fields of a user a change may touch (also the gateway's PATCH body). */
export class UserChanges {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name?: string;

  @IsOptional()
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: Role;

  /** null removes the user from their team. */
  @IsOptional()
  @IsUUID()
  teamId?: string | null;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateUserRequest extends UserChanges {
  @IsUUID()
  id!: string;
}

export class AcceptInvitationRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  token!: string;

  @IsString()
  @MaxLength(PASSWORD_MAX)
  password!: string;
}

export interface UserView {
  id: string;
  tenantId: string;
  email: string;
  name: string;
  role: Role;
  teamId: string | null;
  active: boolean;
  platformAdmin: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

/** Reply of users.create: the user, and when it was created without a password (invited) the one-time invitation token, shown only here. */
export interface CreatedUser extends UserView {
  invitationToken: string | null;
  invitationExpiresAt: string | null;
}

// ---- teams -------------------------------------------------------------------------------------

export class CreateTeamRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

/** The fields of a team a change may touch (also the gateway's PATCH body). */
export class TeamChanges {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

export class UpdateTeamRequest extends TeamChanges {
  @IsUUID()
  id!: string;
}

export interface TeamView {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
}

// ---- API keys ----------------------------------------------------------------------------------

export class CreateApiKeyRequest {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  @IsArray()
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true, message: `scopes must be among ${API_KEY_SCOPES.join(', ')}` })
  scopes!: ApiKeyScope[];
}

/** Returned once, at creation: `key` is never shown again. */
export interface CreatedApiKey {
  id: string;
  key: string;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

// ---- by id, lists, audit -----------------------------------------------------------------------

export class ById {
  @IsUUID()
  id!: string;
}

/** `GET /api/v1/users`: a page of the tenant's users, or only the one with `email` (case-insensitive). */
export class UserListQuery extends PageRequest {
  @IsOptional()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;
}

export class AuditQuery extends PageRequest {
  @IsOptional()
  @IsString()
  @MaxLength(100)
  action?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  actorId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  targetType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  targetId?: string;

  @IsOptional()
  @IsISO8601()
  from?: string;

  @IsOptional()
  @IsISO8601()
  to?: string;
}

export interface AuditEntryView {
  id: string;
  at: string;
  action: string;
  actorType: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

/** Event: a credential stopped being valid; every gateway replica drops it from its cache. */
export class CredentialRevoked {
  @IsIn(['api-key', 'user'])
  kind!: 'api-key' | 'user';

  @IsUUID()
  id!: string;
}
