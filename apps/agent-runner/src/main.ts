import { runDistributed } from '@vigil/runtime';
import { agentRunnerApp } from './agent-runner.app.js';

await runDistributed(agentRunnerApp);
