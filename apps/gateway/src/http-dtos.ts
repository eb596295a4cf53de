// HTTP bodies and queries where the contract DTOs do not fit as they are: the contract carries
// fields the gateway fills in itself (ip, id from the path).
// Constraints mirror libs/contracts so that what passes here passes the user service too.
import { IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

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
