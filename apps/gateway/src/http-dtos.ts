// HTTP bodies and queries where the contract DTOs do not fit as they are: the contract carries
// fields the gateway fills in itself (ip, id from the path), or a query string needs numbers parsed.
// Constraints mirror libs/contracts so that what passes here passes the user service too.
import { Type } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { AuditQuery, ROLES, type Role } from '@vigil/contracts';

export class LoginBody {
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  password!: string;

  /** Tenant slug; needed only when the same email has accounts in several tenants. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tenant?: string;
}

export class RefreshTokenBody {
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  refresh_token!: string;
}

export class UpdateUserBody {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role?: Role;

  /** null takes the user out of their team. */
  @ValidateIf((_body: UpdateUserBody, value: unknown) => value !== null && value !== undefined)
  @IsUUID()
  teamId?: string | null;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class UpdateTeamBody {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

/** `?limit=&cursor=` of every list. */
export class ListQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(200)
  limit?: number;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

/** `GET /api/v1/audit?action=&actorId=&targetType=&targetId=&from=&to=&limit=&cursor=`. */
export class AuditListQuery extends AuditQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(200)
  declare limit?: number;
}
