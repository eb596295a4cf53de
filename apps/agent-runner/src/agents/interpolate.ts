/** `${VAR}` (or `$${VAR}`, the escaped form) with whatever is between the braces, unterminated included. */
const REFERENCE = /\$(\$)?\{([^}]*)(\})?/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The outcome of interpolating one string: the value, or the problems (without the key path). */
export type Interpolated = { ok: true; value: string } | { ok: false; problems: string[] };

/**
 * Replaces each `${VAR}` in `text` by the variable's value from `env`; `$${VAR}` stays as the literal
 * `${VAR}`. A variable that is unset or empty is a problem (as in the service configuration, an empty
 * variable counts as unset), and so is a reference that is not a variable name or has no closing brace.
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv): Interpolated {
  const problems: string[] = [];
  const value = text.replace(REFERENCE, (match, escaped: string | undefined, name: string, close?: string) => {
    if (close === undefined) {
      problems.push(`unterminated "\${" (write "$\${" for a literal one)`);
      return match;
    }
    if (escaped) return match.slice(1);
    if (!VARIABLE_NAME.test(name)) {
      problems.push(`"\${${name}}" is not a variable name (letters, digits and "_")`);
      return match;
    }
    const found = env[name];
    if (found === undefined || found === '') {
      problems.push(`environment variable ${name} is not set`);
      return match;
    }
    return found;
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
