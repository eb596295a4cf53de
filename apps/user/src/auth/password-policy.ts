/**
 * The minimum password strength (no dictionary library in the dependency set, so a clear rule set):
 * long enough, enough different characters, not a well-known password (also with digits or symbols
 * around it, or in leetspeak), not a run or repetition, and not built from the account's own email
 * or name. `passwordProblems` names each rule that fails; an empty list means acceptable.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
const MIN_DISTINCT = 5;

export const PASSWORD_REQUIREMENTS =
  `at least ${PASSWORD_MIN_LENGTH} characters with at least ${MIN_DISTINCT} different ones; not a common password, ` +
  'a keyboard or alphabet run, or a repetition; and not containing your email name or your name (a few unrelated words make a good one)';

/** Bases of the most used passwords; checked after stripping digits and symbols around them and undoing leetspeak. */
const COMMON = new Set([
  'password',
  'passwort',
  'motdepasse',
  'qwerty',
  'qwertyuiop',
  'azerty',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'iloveyou',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'soccer',
  'sunshine',
  'princess',
  'master',
  'shadow',
  'superman',
  'batman',
  'trustno',
  'changeme',
  'secret',
  'default',
  'login',
  'vigil',
  'alert',
  'alerts',
  'root',
  'toor',
  'guest',
  'user',
  'test',
  'testing',
  'hello',
  'freedom',
  'whatever',
  'starwars',
  'pokemon',
  'michael',
  'jennifer',
  'charlie',
  'computer',
  'internet',
  'summer',
  'winter',
  'spring',
  'autumn',
  'access',
  'mustang',
  'ninja',
  'abc',
  'abcdef',
  'asdf',
  'asdfgh',
  'zxcvbn',
  'zxcvbnm',
  'qazwsx',
  'passw',
  'pass',
  'company',
  'corporate',
  'monitoring',
  'operator',
  'manager',
  'viewer',
]);

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

/** Rows a finger runs along; a password that is mostly such a run (either direction) is refused. */
const RUNS = [
  'abcdefghijklmnopqrstuvwxyz',
  '01234567890',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'qwertzuiop',
  'yxcvbnm',
  'azertyuiop',
  'qsdfghjklm',
  'wxcvbn',
  '1qaz2wsx3edc4rfv',
];

function core(password: string): string {
  return password
    .toLowerCase()
    .replace(/^[^a-z]+|[^a-z]+$/g, '')
    .replace(/[013457@$!]/g, (c) => LEET[c] ?? c)
    .replace(/[^a-z]/g, '');
}

/** Length of the input covered by runs of 3+ consecutive characters of a keyboard row or the alphabet. */
function runCoverage(text: string): number {
  let covered = 0;
  let i = 0;
  while (i < text.length) {
    let best = 1;
    for (const row of RUNS) {
      for (const line of [row, [...row].reverse().join('')]) {
        const start = line.indexOf(text[i]!);
        if (start < 0) continue;
        let length = 1;
        while (i + length < text.length && line[start + length] === text[i + length]) length++;
        best = Math.max(best, length);
      }
    }
    if (best >= 3) covered += best;
    i += best;
  }
  return covered;
}

/** The shortest unit the text repeats ("abcabc" → "abc"); the text itself when it repeats nothing. */
function repeatedUnit(text: string): string {
  for (let unit = 1; unit <= text.length / 2; unit++) {
    if (text.length % unit === 0 && text.slice(0, unit).repeat(text.length / unit) === text) return text.slice(0, unit);
  }
  return text;
}

export interface PasswordContext {
  email?: string;
  name?: string;
}

export function passwordProblems(password: string, context: PasswordContext = {}): string[] {
  const problems: string[] = [];
  const chars = [...password];
  if (chars.length < PASSWORD_MIN_LENGTH) problems.push(`is shorter than ${PASSWORD_MIN_LENGTH} characters`);
  if (chars.length > PASSWORD_MAX_LENGTH) problems.push(`is longer than ${PASSWORD_MAX_LENGTH} characters`);
  if (new Set(chars).size < MIN_DISTINCT) problems.push(`has fewer than ${MIN_DISTINCT} different characters`);
  const lower = password.toLowerCase();
  const base = core(password);
  if (COMMON.has(base) || COMMON.has(repeatedUnit(base))) {
    problems.push('is a common password');
  } else if (repeatedUnit(lower) !== lower) {
    problems.push('is a repetition');
  } else if (runCoverage(lower) >= lower.length - 2) {
    problems.push('is a keyboard or alphabet run');
  }
  const personal = [context.email?.split('@')[0] ?? '', ...(context.name ?? '').split(/\s+/)]
    .map((part) => part.toLowerCase())
    .filter((part) => part.length >= 4);
  if (personal.some((part) => lower.includes(part))) problems.push('contains your email name or your name');
  return problems;
}
