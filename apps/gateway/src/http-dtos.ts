// HTTP bodies and queries where the contract DTOs do not fit as they are: the contract carries
// fields the gateway fills in itself (ip, id from the path), or a query string needs numbers parsed.
// Constraints mirror libs/contracts so that what passes here passes the user service too.
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AuditQuery } from '@vigil/contracts';

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

/** PATCH bodies: the changeable fields, as the contracts define them (the id comes from the path). */
export { TeamChanges as UpdateTeamBody, UserChanges as UpdateUserBody } from '@vigil/contracts';

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
