const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Query parameters of the Alertmanager and Grafana receivers: only `type_label`, a label name. */
export function webhookQueryProblems(query: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (name !== 'type_label') problems.push(`${name}: unknown query parameter (type_label)`);
    else if (typeof value !== 'string' || !LABEL_NAME.test(value))
      problems.push('type_label: must be one label name ([A-Za-z_][A-Za-z0-9_]*)');
  }
  return problems;
}
