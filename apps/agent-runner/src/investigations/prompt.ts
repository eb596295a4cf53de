import type { AlertView } from '@vigil/contracts';
import type { RunbookResult } from '../safety/index.js';

/** Longest value of one alert field in the prompt, in characters. */
const MAX_FIELD_CHARS = 4_000;
/** Deepest nesting of `data` flattened into keys; deeper values are shown as JSON. */
const MAX_DEPTH = 6;

/**
 * Every field of the alert as `key: value` lines, nested objects flattened to dotted keys
 * (`labels.namespace: payments`, `data.alerts[0].status: firing`), so the model reads the whole
 * alert — whatever the monitoring tool put in it — in one uniform shape. Empty values are left out.
 */
export function alertFields(alert: AlertView): [string, string][] {
  const lines: [string, string][] = [];
  const add = (key: string, value: unknown, depth: number): void => {
    if (value === null || value === undefined || value === '') return;
    if (Array.isArray(value)) {
      if (depth >= MAX_DEPTH) return void lines.push([key, clip(JSON.stringify(value))]);
      value.forEach((item, i) => add(`${key}[${i}]`, item, depth + 1));
      return;
    }
    if (typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      if (depth >= MAX_DEPTH) return void lines.push([key, clip(JSON.stringify(value))]);
      for (const [k, v] of entries) add(key ? `${key}.${k}` : k, v, depth + 1);
      return;
    }
    lines.push([key, clip(String(value))]);
  };
  for (const [key, value] of Object.entries(alert)) {
    // The analysis is the agent's own output, not evidence.
    if (key === 'analysis') continue;
    add(key, value, 0);
  }
  return lines;
}

function clip(text: string): string {
  const oneLine = text.replace(/\r?\n/g, '\\n');
  return oneLine.length > MAX_FIELD_CHARS ? `${oneLine.slice(0, MAX_FIELD_CHARS)}… [cut]` : oneLine;
}

/** What the model is told about one tool it may call. */
export interface PromptTool {
  name: string;
  description: string;
}

/** The runbook part of the prompt: its text, or why there is none. */
export function runbookSection(alert: AlertView, runbook: RunbookResult | null): string {
  if (!alert.runbook.trim()) return 'No runbook is linked to this alert.';
  if (!runbook) return 'No runbook is linked to this alert.';
  if (runbook.ok)
    return runbook.source === 'url'
      ? `Runbook (fetched from ${runbook.url}):\n${runbook.text}`
      : `Runbook (given with the alert):\n${runbook.text}`;
  return `The runbook at ${runbook.url} could not be read (${runbook.message}).`;
}

/** The user message that opens an investigation: the alert, its runbook, the tools. */
export function investigationPrompt(alert: AlertView, runbook: RunbookResult | null, tools: PromptTool[]): string {
  const fields = alertFields(alert)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n');
  const toolLines = tools.length
    ? tools.map((tool) => `- ${tool.name}: ${tool.description || '(no description)'}`).join('\n')
    : 'No tools are available: reason from the alert and the runbook alone.';
  return [
    `Investigate this alert. Every field it carries:\n${fields}`,
    runbookSection(alert, runbook),
    `Tools you can call:\n${toolLines}`,
    'Call the tools that help, several at once when they do not depend on each other. When you know enough, answer without calling tools: the likely cause, the evidence, the impact, and the next steps.',
  ].join('\n\n');
}

/** Said to the model when it ran out of steps (or tokens): one more answer, without tools. */
export const CONCLUDE_NOW =
  'You have no steps left. Do not call tools. Conclude now from what you found: the likely cause, the evidence, the impact, the next steps, and what you could not verify.';
