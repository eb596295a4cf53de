import { Module } from '@nestjs/common';

/** The agent-runner service: the agent registry; it investigates alerts with an LLM and MCP tools. */
@Module({})
export class AgentRunnerModule {}
