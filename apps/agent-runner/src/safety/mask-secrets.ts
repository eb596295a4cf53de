/** What replaces a secret: the surrounding key, scheme or user stays, so the text still reads. */
export const REDACTED = '[REDACTED]';

// Key names that say their value is a secret: they end with the word (DB_PASSWORD, x-api-key, accessToken),
// so counters such as total_tokens stay readable.
const SECRET_KEY =
  '[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?key|session[_-]?key|signature)(?![A-Za-z0-9_.-])';

interface Rule {
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const RULES: Rule[] = [
  // PEM blocks: the whole body goes, the armour lines stay so a reader knows what was there.
  {
    pattern: /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----)/g,
    replace: (_m, begin, end) => `${begin}\n${REDACTED}\n${end}`,
  },
  // Authorization headers of any scheme (Bearer, Basic, ApiKey, AWS4-HMAC-SHA256…): the scheme stays.
  {
    pattern: /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)([A-Za-z][A-Za-z0-9_-]*\s+)?[^\s"',;]{4,}/gi,
    replace: (_m, head, scheme) => `${head}${scheme ?? ''}${REDACTED}`,
  },
  // Tokens recognisable by their shape wherever they stand: JSON Web Tokens, GitHub, Slack, OpenAI-style
  // and Stripe keys, Google API keys, and Vigil's own API keys.
  {
    pattern: new RegExp(
      [
        'eyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*',
        'gh[pousr]_[A-Za-z0-9]{30,}',
        'github_pat_[A-Za-z0-9_]{30,}',
        'xox[abposre]-[A-Za-z0-9-]{10,}',
        'sk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_-]{20,}',
        '(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}',
        'AIza[A-Za-z0-9_-]{35}',
        'vgk_[a-z0-9]{8}_[A-Za-z0-9_-]{20,}',
      ]
        .map((shape) => `(?<![A-Za-z0-9_-])${shape}`)
        .join('|'),
      'g',
    ),
    replace: () => REDACTED,
  },
  // Bare bearer tokens.
  {
    pattern: /\b(Bearer|Basic|Token|Digest)(\s+)[A-Za-z0-9\-._~+/=:]{6,}/gi,
    replace: (_m, scheme, space) => `${scheme}${space}${REDACTED}`,
  },
  // Credentials in URLs: scheme://user:password@host keeps the scheme, user and host.
  {
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@'"]*):([^\s@/'"]+)@/gi,
    replace: (_m, scheme, user) => `${scheme}${user}:${REDACTED}@`,
  },
  // AWS access key ids.
  { pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, replace: () => REDACTED },
  // JSON pairs: "password": "…" (the string value only; numbers and objects are left).
  {
    pattern: new RegExp(`("${SECRET_KEY}"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi'),
    replace: (_m, head) => `${head}"${REDACTED}"`,
  },
  // key=value and key: value pairs (env files, YAML, logs, command lines), quoted or not.
  {
    pattern: new RegExp(`(\\b${SECRET_KEY}\\s*[=:]\\s*)(?:"[^"\\n]*"|'[^'\\n]*'|[^\\s,;&'"]+)`, 'gi'),
    replace: (_m, head) => `${head}${REDACTED}`,
  },
];

/**
 * Masks secrets in text before it reaches a model or an event: private keys, authorization headers,
 * tokens of well-known shapes, credentials in connection strings, AWS keys, secret-named pairs, and
 * Kubernetes Secret data.
 */
export function maskSecrets(text: string): string {
  let masked = maskKubernetesSecretData(text);
  for (const rule of RULES) masked = masked.replace(rule.pattern, rule.replace as (m: string) => string);
  return masked;
}

// A Secret's data/stringData values are all secret, whatever their key names: in YAML, every entry
// indented under `data:`/`stringData:` of a document whose kind is Secret; in JSON, the object's values.
function maskKubernetesSecretData(text: string): string {
  if (!/kind["']?\s*:\s*["']?Secret\b/.test(text)) return text;
  const json = text.replace(
    /("(?:data|stringData)"\s*:\s*\{)([^{}]*)(\})/g,
    (_m, open: string, body: string, close) => {
      return open + body.replace(/("(?:[^"\\]|\\.)*"\s*:\s*)"(?:[^"\\]|\\.)*"/g, `$1"${REDACTED}"`) + close;
    },
  );
  const lines = json.split('\n');
  let blockIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const indent = line.length - line.trimStart().length;
    if (blockIndent >= 0) {
      if (line.trim() === '' || indent > blockIndent) {
        // An entry keeps its key; a block scalar's continuation line is all value.
        const entry = /^(\s*[A-Za-z0-9_.-]+:)(\s+)\S/.exec(line);
        if (entry) lines[i] = `${entry[1]}${entry[2]}${REDACTED}`;
        else if (line.trim() !== '') lines[i] = `${' '.repeat(indent)}${REDACTED}`;
        continue;
      }
      blockIndent = -1;
    }
    if (/^\s*(?:data|stringData):\s*$/.test(line)) blockIndent = indent;
  }
  return lines.join('\n');
}
