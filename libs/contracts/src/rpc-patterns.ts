import type { ServiceName } from './services.js';

/**
 * Request/response patterns. The first segment names the service that answers: the client sends
 * the request to that service's RPC queue `vigil.<service>.rpc`.
 */
export const RpcPatterns = {
  GatewayPing: 'gateway.system.ping',
  UserPing: 'user.system.ping',
  AlertPing: 'alert.system.ping',
  AgentRunnerPing: 'agent-runner.system.ping',
  HistoryPing: 'history.system.ping',
  NotificationPing: 'notification.system.ping',
} as const;
export type RpcPattern = (typeof RpcPatterns)[keyof typeof RpcPatterns];

export const RPC_PATTERNS: readonly RpcPattern[] = Object.values(RpcPatterns);

const PING_BY_SERVICE: Record<ServiceName, RpcPattern> = {
  gateway: RpcPatterns.GatewayPing,
  user: RpcPatterns.UserPing,
  alert: RpcPatterns.AlertPing,
  'agent-runner': RpcPatterns.AgentRunnerPing,
  history: RpcPatterns.HistoryPing,
  notification: RpcPatterns.NotificationPing,
};

export function pingPatternOf(service: ServiceName): RpcPattern {
  return PING_BY_SERVICE[service];
}

/** The service that answers an RPC pattern: the pattern's first segment. */
export function serviceOfPattern(pattern: string): string {
  const dot = pattern.indexOf('.');
  return dot === -1 ? pattern : pattern.slice(0, dot);
}
