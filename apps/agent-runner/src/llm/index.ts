export {
  LlmClient,
  LlmError,
  type LlmAnswer,
  type LlmCall,
  type LlmErrorKind,
  type Sleep,
  type TokenUsage,
  tokenUsageOf,
} from './llm-client.js';
export { resolveLlmOptions, type LlmOptions, type ResolvedLlmOptions } from './llm-options.js';
export { Budget, type BudgetLimits, type BudgetVerdict } from './budget.js';
