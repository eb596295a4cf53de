/** An RPC got no reply within its timeout. */
export class RpcTimeoutError extends Error {
  override readonly name = 'RpcTimeoutError';
  constructor(
    readonly pattern: string,
    readonly service: string,
    readonly timeoutMs: number,
  ) {
    super(`RPC ${pattern} to service "${service}" got no reply within ${timeoutMs} ms`);
  }
}

/** What a failed RPC handler sends back. */
export interface RemoteErrorInfo {
  message: string;
  /** HTTP-like status when the thrown error had one (getStatus() or a numeric status). */
  status?: number;
  /** Class name of the thrown error. */
  name?: string;
  /** Structured details, e.g. an HttpException response or validation problems. */
  details?: unknown;
}

/** The RPC handler on the other side failed; `status` lets the gateway map it to an HTTP status. */
export class RpcRemoteError extends Error {
  override readonly name = 'RpcRemoteError';
  readonly status?: number;
  readonly remoteName?: string;
  readonly details?: unknown;
  constructor(
    readonly pattern: string,
    readonly service: string,
    info: RemoteErrorInfo,
  ) {
    super(info.message);
    if (info.status !== undefined) this.status = info.status;
    if (info.name !== undefined) this.remoteName = info.name;
    if (info.details !== undefined) this.details = info.details;
  }

  /** Mirrors HttpException so the gateway's filters can treat it alike. */
  getStatus(): number {
    return this.status ?? 500;
  }
}

/** A message that fails its contract is refused before it is sent. */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
  constructor(
    readonly type: string,
    readonly problems: string[],
  ) {
    super(`invalid ${type} message: ${problems.join('; ')}`);
  }
}

/** Broker-level: a request got no reply in time (the client turns it into RpcTimeoutError). */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly queue: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply from ${queue} within ${timeoutMs} ms`);
  }
}

/** Broker-level: a request could not be routed (no such queue). */
export class UnroutableError extends Error {
  override readonly name = 'UnroutableError';
  constructor(readonly queue: string) {
    super(`no queue ${queue}: is the service running?`);
  }
}

/** The broker was closed: nothing more can be sent or received. */
export class BrokerClosedError extends Error {
  override readonly name = 'BrokerClosedError';
  constructor(kind: string) {
    super(`${kind} broker is closed`);
  }
}

/** Broker is not connected (check() for readiness probes). */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';
}

/**
 * A publish with `withdrawAfterMs` that could not be written to the broker in that time: it was taken
 * out of the client's queue and will never be sent, so nothing of it can be stored.
 */
export class PublishWithdrawnError extends Error {
  override readonly name = 'PublishWithdrawnError';
  constructor(
    readonly routingKey: string,
    readonly withdrawAfterMs: number,
  ) {
    super(`the broker could not take the message within ${withdrawAfterMs} ms; it was withdrawn unsent`);
  }
}
