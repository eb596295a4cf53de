import { CommonConfig, Env, IsParsedBy } from '@vigil/config';
import { IsDefined, ValidateIf } from 'class-validator';
import { SecretBox } from './secret-box.js';

/** The key of the services that store tenants' secrets (the agent runner, the notification service); their configs extend this. */
export class SecretsKeyConfig extends CommonConfig {
  @Env(
    'agent runner and notification service: keys that encrypt stored secrets (the headers of tenants\' MCP servers, the tokens and URLs of notification channels), "kid:key[,kid:key]", each key 32 random bytes in base64url; the first encrypts, all decrypt (rotate by putting a new key first); required in distributed mode, the same value on every replica of a service; standalone default: a key generated once in VIGIL_DATA_DIR',
    { secret: true },
  )
  @ValidateIf((config: SecretsKeyConfig) => config.VIGIL_MODE === 'distributed' || config.SECRETS_KEY !== undefined)
  @IsDefined({
    message:
      'is required when VIGIL_MODE is distributed, the same value on every replica of the service (e.g. SECRETS_KEY=k1:<32 random bytes, base64url>)',
  })
  @IsParsedBy((value) => SecretBox.parse(value))
  SECRETS_KEY?: string;
}
