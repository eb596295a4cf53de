import type { ServiceDefinition } from '@vigil/runtime';
import { agentRunnerApp } from '../../agent-runner/src/agent-runner.app.js';
import { alertApp } from '../../alert/src/alert.app.js';
import { gatewayApp } from '../../gateway/src/gateway.app.js';
import { historyApp } from '../../history/src/history.app.js';
import { notificationApp } from '../../notification/src/notification.app.js';
import { userApp } from '../../user/src/user.app.js';

/** The six services, composed into one process for the standalone mode. */
export const ALL_SERVICES: ServiceDefinition[] = [
  gatewayApp,
  userApp,
  alertApp,
  agentRunnerApp,
  historyApp,
  notificationApp,
];
