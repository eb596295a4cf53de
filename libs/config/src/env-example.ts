import { type ConfigClass, envVarsOf } from './env.decorator.js';

/**
 * Compares a schema with the text of `.env.example` and lists what drifted: a declared variable that
 * is missing, a default that differs, a variable without a default that is not commented out, or a
 * variable without its one-line comment just above it. Empty list = in sync. Service config classes
 * call this from their own tests.
 */
export function envExampleProblems(schema: ConfigClass, text: string): string[] {
  const lines = text.split(/\r?\n/);
  const defaults = new schema() as Record<string, unknown>;
  const problems: string[] = [];
  for (const { name } of envVarsOf(schema)) {
    const index = lines.findIndex((line) => new RegExp(`^(# )?${name}=`).test(line));
    if (index < 0) {
      problems.push(`${name} is not listed`);
      continue;
    }
    const line = lines[index]!;
    const fallback = defaults[name];
    if (fallback === undefined) {
      if (!line.startsWith('# ')) problems.push(`${name} has no default, so its line must be commented out`);
    } else if (line !== `${name}=${String(fallback)}`) {
      problems.push(`${name} must read "${name}=${String(fallback)}" (its default), not "${line}"`);
    }
    const comment = lines[index - 1] ?? '';
    if (!comment.startsWith('# ') || /^# [A-Z0-9_]+=/.test(comment))
      problems.push(`${name} needs a one-line comment above it`);
  }
  return problems;
}
