/** The six services (docs/architecture.md, "Services"). Names are part of queue names: never rename one. */
export const SERVICES = ['gateway', 'user', 'alert', 'agent-runner', 'history', 'notification'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Tenant id carried by platform-level messages that belong to no tenant (pings, status). */
export const SYSTEM_TENANT = '_system';
