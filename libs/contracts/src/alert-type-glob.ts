/**
 * An alert-type glob as a RegExp (which agent takes an alert, which notification route): `*` is any run of characters, `?` one character, everything else
 * literal (so `[`, `{` or `.` in an alert type never change the meaning); case-sensitive and anchored.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  // `s`: an alert type with a newline in it is still matched character by character.
  return new RegExp(`^${source}$`, 'su');
}

/** Whether `alertType` matches `glob` (see `globToRegExp`). */
export function globMatches(glob: string, alertType: string): boolean {
  return globToRegExp(glob).test(alertType);
}
