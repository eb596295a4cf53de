// HTTP bodies of the MCP-server routes where the contract DTOs carry the id from the path.
import { MAX_MCP_SERVER_TIMEOUT_MS } from '@vigil/contracts';
import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';

/**
 * `PATCH /api/v1/agents/mcp-servers/:id`: UpdateMcpServerRequest without its id. What is given
 * changes; `headers` replaces them all (`{}` removes them); `timeoutMs: null` goes back to the default.
 */
export class UpdateMcpServerBody {
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;

  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsInt()
  @Min(1)
  @Max(MAX_MCP_SERVER_TIMEOUT_MS)
  timeoutMs?: number | null;
}
