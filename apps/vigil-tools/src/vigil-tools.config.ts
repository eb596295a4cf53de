import { Env, IsParsedBy, IsUrlWithScheme } from '@vigil/config';
import { parseAllowedCidrs } from '@vigil/netguard';
import { IsOptional } from 'class-validator';

/** The environment of the vigil-tools MCP server; both variables are optional. */
export class VigilToolsConfig {
  @Env(
    'agent runner and vigil-tools: comma-separated CIDRs of private addresses that runbook fetches and network tools may reach (default: public addresses only)',
  )
  @IsOptional()
  @IsParsedBy((text) => parseAllowedCidrs(text))
  TOOLS_ALLOWED_CIDRS?: string;

  @Env(
    'vigil-tools: where similar_alerts asks for past alerts; set by the agent runner for the servers it starts (unset: the tool answers that it works only inside an investigation)',
  )
  @IsOptional()
  @IsUrlWithScheme(['http', 'https'], { message: 'must be an http:// or https:// URL' })
  VIGIL_ALERTS_URL?: string;
}
