import type { HistorySessionDetail, LlmTimelineStep, McpTimelineStep, TimelineStep } from '@vigil/contracts';

/** Longest tool result shown in a report; the rest is cut with a marker saying how much. */
export const RESULT_LIMIT = 2000;

/**
 * Text in a fenced block that its content cannot close: the fence is one backtick longer than the
 * longest run of backticks inside (at least three).
 */
export function fenced(content: string, info = ''): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${content}\n${fence}`;
}

/** One line of untrusted text inside a heading, list item or table cell: line breaks folded, markup escaped. */
export function inline(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  return value
    .replace(/\r\n?|\n/g, ' ')
    .replace(/[\\`*_[\]<>#|~]/g, (c) => `\\${c}`)
    .trim();
}

function jsonText(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2);
}

/** Milliseconds as people read them: `40 ms`, `2.5 s`, `3 min 20 s`. */
export function durationText(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** The last message a user (the alert, or a person) gave the model, or null. */
function lastUserMessage(messages: unknown): string | null {
  if (!Array.isArray(messages)) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message && message.role === 'user')
      return typeof message.content === 'string' ? message.content : jsonText(message.content);
  }
  return null;
}

function outcome(step: TimelineStep): string {
  return step.success ? 'succeeded' : `failed: ${inline(step.error ?? 'failed')}`;
}

function llmSection(step: LlmTimelineStep): string[] {
  const lines = [
    `- LLM call to ${inline(step.model)} · sequence ${step.sequence} · ${step.timestamp}`,
    `- Duration: ${durationText(step.durationMs)} · ${outcome(step)}`,
    `- Tokens: ${step.tokens.total ?? '—'} (prompt ${step.tokens.prompt ?? '—'}, completion ${step.tokens.completion ?? '—'})`,
    '',
  ];
  const question = lastUserMessage(step.messages);
  if (question !== null) lines.push('**Last user message**', '', fenced(question, 'text'), '');
  if (Array.isArray(step.toolCalls) && step.toolCalls.length > 0)
    lines.push('**Tool calls requested**', '', fenced(jsonText(step.toolCalls), 'json'), '');
  if (step.response !== null && step.response !== '') lines.push('**Response**', '', fenced(step.response, 'text'), '');
  return lines;
}

function mcpSection(step: McpTimelineStep): string[] {
  const what = step.communicationType === 'tool_call' ? `tool call ${inline(step.toolName)}` : 'tool listing';
  const lines = [
    `- MCP ${what} on ${inline(step.serverName)} · sequence ${step.sequence} · ${step.timestamp}`,
    `- Duration: ${durationText(step.durationMs)} · ${outcome(step)}`,
    '',
  ];
  if (step.communicationType === 'tool_call')
    lines.push('**Arguments**', '', fenced(jsonText(step.arguments), 'json'), '');
  if (step.result !== null) {
    const full = jsonText(step.result);
    lines.push('**Result**', '', fenced(full.slice(0, RESULT_LIMIT), 'json'), '');
    if (full.length > RESULT_LIMIT) lines.push(`_Result cut at ${RESULT_LIMIT} of ${full.length} characters._`, '');
  }
  return lines;
}

/** A session as a Markdown investigation report, ready to paste into a postmortem. */
export function markdownOf(session: HistorySessionDetail): string {
  const steps = session.timeline;
  const llm = steps.filter((s) => s.kind === 'llm').length;
  const row = (name: string, value: string) => `| ${name} | ${value} |`;
  const lines = [
    `# Investigation: ${inline(session.alertType ?? 'unknown alert')} (${session.sessionId})`,
    '',
    '| Field | Value |',
    '| --- | --- |',
    row('Session', session.sessionId),
    row('Alert', session.alertId ?? '—'),
    row('Alert type', inline(session.alertType)),
    row('Agent', inline(session.agentType)),
    row('Model', inline(session.model)),
    row('Status', session.status),
    row('Started (UTC)', session.startedAt ?? '—'),
    row('Completed (UTC)', session.completedAt ?? '—'),
    row('Duration', durationText(session.durationMs)),
    row('Tokens', `${session.tokens.total} (prompt ${session.tokens.prompt}, completion ${session.tokens.completion})`),
    row('Steps', `${steps.length} (${llm} LLM, ${steps.length - llm} MCP)`),
    row('Errors', String(session.counts.errors)),
    '',
    '## Alert data',
    '',
    fenced(jsonText(session.alertData), 'json'),
    '',
  ];
  if (session.finalAnalysis !== null)
    lines.push('## Final analysis', '', fenced(session.finalAnalysis, 'markdown'), '');
  if (session.error !== null) lines.push('## Error', '', fenced(session.error, 'text'), '');
  if (session.finalAnalysis === null && session.error === null)
    lines.push('## Final analysis', '', `_None: the session is ${session.status}._`, '');
  lines.push('## Timeline', '');
  if (steps.length === 0) lines.push('_No steps recorded._', '');
  steps.forEach((step, i) => {
    lines.push(`### ${i + 1}. ${inline(step.stepDescription)}`, '');
    lines.push(...(step.kind === 'llm' ? llmSection(step) : mcpSection(step)));
  });
  return `${lines.join('\n').trimEnd()}\n`;
}
