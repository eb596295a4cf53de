/** The six services of design.md §1. Names are part of queue names: never rename one. */
export const SERVICES = ['gateway', 'user', 'alert', 'agent-runner', 'history', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function isServiceName(value: string): value is ServiceName {
  return (SERVICES as readonly string[]).includes(value);
}

/** Tenant id carried by platform-level messages that belong to no tenant (pings, status). */
export const SYSTEM_TENANT = '_system';
