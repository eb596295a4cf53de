/** Cuts `text` to at most `max` characters (code points), marking the cut with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return points.slice(0, max - 1).join('') + '…';
}

/** Slack mrkdwn control characters (&, <, >) as Slack's escapes, so text never becomes a link or a mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The URL when it is an absolute http(s) link; anything else (javascript:, relative, malformed) is dropped. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    // `|` would end a Slack link early; percent-encoded it means the same URL everywhere.
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href.replace(/\|/g, '%7C') : undefined;
  } catch {
    return undefined;
  }
}

/** A Slack mrkdwn link; `|`, `<` and `>` in the URL are percent-encoded so they cannot end it early. */
export function slackLink(url: string, label: string): string {
  const href = url.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/&/g, '&amp;');
  return `<${href}|${escapeMrkdwn(label)}>`;
}
