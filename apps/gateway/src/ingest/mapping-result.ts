import type { ReceivedAlert } from '@vigil/contracts';

/** What a receiver makes of a parsed body: the alerts, or every problem naming its field. */
export type MappingResult =
  { ok: true; alerts: ReceivedAlert[] } | { ok: false; problems: string[]; tooMany?: boolean };

/** Problems listed in a message are capped: a 5,000-alert body with one bad field each stays readable. */
export const MAX_LISTED_PROBLEMS = 50;

export function summariseProblems(problems: readonly string[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  return problems.length > MAX_LISTED_PROBLEMS
    ? `${listed}; … and ${problems.length - MAX_LISTED_PROBLEMS} more`
    : listed;
}
