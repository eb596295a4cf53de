import { CommonConfig, Env, IsParsedBy } from '@vigil/config';
import { IsDefined, ValidateIf } from 'class-validator';
import { JwtKeyring } from './jwt.js';

/** The variable the gateway (verifies) and the user service (signs) share; their configs extend this. */
export class JwtKeysConfig extends CommonConfig {
  @Env(
    'JWT signing keys "kid:secret[,kid:secret]" (the first signs, all verify; secrets of at least 32 bytes); the same value on the gateway and the user service; required in distributed mode; standalone default: a key generated once in VIGIL_DATA_DIR',
    { secret: true },
  )
  @ValidateIf((config: JwtKeysConfig) => config.VIGIL_MODE === 'distributed' || config.JWT_KEYS !== undefined)
  @IsDefined({
    message:
      'is required when VIGIL_MODE is distributed, the same value on the gateway and the user service (e.g. JWT_KEYS=k1:<48 random bytes, base64url>)',
  })
  @IsParsedBy((value) => JwtKeyring.parse(value))
  JWT_KEYS?: string;
}
