// HTTP bodies of the MCP-server routes where the contract DTOs carry the id from the path.
export { McpServerChanges as UpdateMcpServerBody } from '@vigil/contracts';
