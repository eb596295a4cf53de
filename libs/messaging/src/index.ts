export * from './broker.js';
export { RabbitBroker, type RabbitBrokerOptions } from './rabbit-broker.js';
export { EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker.js';
export { TopologyNames, Headers, DIRECT_REPLY_TO, type BroadcastTopology, type ServiceTopology } from './topology.js';
export {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_DELAYS_MS,
  deferralDelayMs,
  normalizeRetryPolicy,
  nextRetry,
  retryDelaysInUse,
  type RetryPolicy,
} from './backoff.js';
export { topicMatches, isWildcardPattern, isValidBindingPattern, routingKeyLabel } from './topic.js';
export { type IdempotencyStore, MemoryIdempotencyStore } from './idempotency.js';
export {
  EventPipeline,
  attemptOf,
  classifyProblems,
  type EnvelopeHandler,
  type EventPipelineOptions,
  type PipelineResult,
} from './pipeline.js';
export { MessagingMetrics, type ConsumeOutcome, type DeadLetterKind, type RpcOutcome } from './metrics.js';
export { runInMessageContext, currentMessageContext, type MessageContext } from './context.js';
export { createMessagingLogger, type Logger } from './logger.js';
export { toRemoteError, encodeReply, decodeReply, type RpcReply } from './rpc.js';
export {
  RpcTimeoutError,
  RpcRemoteError,
  InvalidMessageError,
  RequestTimeoutError,
  UnroutableError,
  BrokerClosedError,
  BrokerUnavailableError,
  PublishWithdrawnError,
  type RemoteErrorInfo,
} from './errors.js';
export {
  VigilBusServer,
  BusContext,
  VIGIL_TRANSPORT,
  type BusServerOptions,
  type BusContextArgs,
} from './bus-server.js';
export {
  VigilBusClient,
  type BusClientOptions,
  type MessageInit,
  type PublishCallOptions,
  type RequestCallOptions,
} from './bus-client.js';
export { VigilRpcExceptionFilter } from './exception-filter.js';
