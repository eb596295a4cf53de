export * from './mcp-server-spec.js';
export * from './mcp-connections.js';
export { toolResultText, describeError, type ToolContentPart } from './tool-result-text.js';
