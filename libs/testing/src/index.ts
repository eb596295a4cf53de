export { waitFor, type WaitForOptions } from './wait-for.js';
export { manualClock, type ManualClock } from './clock.js';
export {
  TEST_MODE,
  DIALECT,
  AMQP_URL,
  DATABASE_URL,
  uniqueSuffix,
  uniqueNamespace,
  scratchDirectory,
  freshPostgresDatabase,
  logCollector,
  setProcessEnv,
  type TestMode,
  type ScratchDirectory,
  type FreshDatabase,
} from './environment.js';
export {
  QueueInspector,
  createTestBroker,
  removeNamespace,
  quietLogger,
  type FetchedMessage,
  type TestBrokerOptions,
} from './broker.js';
export {
  TestHarness,
  TEST_ADMIN,
  TEST_JWT_KEYS,
  TEST_SECRETS_KEY,
  RELAXED_RATE_LIMITS,
  type HarnessOptions,
  type RequestCall,
  type RpcFailure,
} from './harness.js';
export { call, login, createApiKey, authHeaders, type Answer, type Auth } from './http.js';
export { createTestTenant, ROLES, TEST_PASSWORD, type RoleName, type TestTenant } from './tenants.js';
export { TestBus } from './bus.js';
export {
  FakeOpenAI,
  type ChatReply,
  type RecordedChatRequest,
  type ScriptedToolCall,
  type TokenUsage,
} from './fakes/openai.js';
export {
  SlackStandin,
  blockProblems,
  type BlockActionClick,
  type SignedSlackRequest,
  type SlackFailure,
  type PostedSlackMessage,
  type SlackRequest,
  type SlackStandinOptions,
} from './slack-standin.js';
export {
  SmtpStandin,
  type SmtpFailure,
  type SmtpReceived,
  type SmtpStage,
  type SmtpStandinOptions,
} from './smtp-server.js';
export { scratchDatabase, tablesOf, type ScratchDatabase } from './database.js';
export { TcpProxy } from './tcp-proxy.js';
export { refusedPort } from './ports.js';
