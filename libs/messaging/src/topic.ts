import { isRoutingKey, RPC_PATTERNS } from '@vigil/contracts';

/**
 * AMQP topic matching: words are separated by dots, `*` matches exactly one word, `#` matches zero
 * or more words. Same semantics as RabbitMQ's topic exchange.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  if (pattern === routingKey) return true;
  return matchWords(pattern.split('.'), 0, routingKey.split('.'), 0);
}

function matchWords(pattern: string[], p: number, key: string[], k: number): boolean {
  while (p < pattern.length) {
    const word = pattern[p];
    if (word === '#') {
      // Collapse consecutive '#', then try every possible split.
      while (p + 1 < pattern.length && pattern[p + 1] === '#') p++;
      if (p === pattern.length - 1) return true;
      for (let i = k; i <= key.length; i++) if (matchWords(pattern, p + 1, key, i)) return true;
      return false;
    }
    if (k >= key.length) return false;
    if (word !== '*' && word !== key[k]) return false;
    p++;
    k++;
  }
  return k === key.length;
}

export function isWildcardPattern(pattern: string): boolean {
  return pattern.split('.').some((word) => word === '*' || word === '#');
}

/** A binding pattern RabbitMQ accepts and that we can match: dotted words, `*`/`#`, no empty words. */
export function isValidBindingPattern(pattern: string): boolean {
  return (
    pattern.length > 0 &&
    pattern.length <= 255 &&
    pattern.split('.').every((word) => word.length > 0 && /^(?:[*#]|[A-Za-z0-9_-]+)$/.test(word))
  );
}

const KNOWN_TYPES = new Set<string>(RPC_PATTERNS);

/**
 * Metric label for a routing key or RPC pattern. Keys come from messages, which may be junk: only
 * the contract's keys are used as label values, anything else is `unknown` (bounded cardinality).
 */
export function routingKeyLabel(key: string | undefined): string {
  if (!key) return 'unknown';
  return isRoutingKey(key) || KNOWN_TYPES.has(key) ? key : 'unknown';
}
