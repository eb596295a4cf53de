/** A rejected payload's body as kept: at most the cap, and what it was. */
export interface KeptBody {
  body: string;
  /** UTF-8 bytes of the body as received. */
  receivedBytes: number;
  /** UTF-8 bytes of the body as kept. */
  keptBytes: number;
  truncated: boolean;
}

/**
 * The longest prefix of `body` that takes at most `maxBytes` bytes as the row stores it — UTF-8 inside
 * a JSON string, escapes included (a NUL takes 6) — never splitting a character or a surrogate pair.
 */
export function capBody(body: string, maxBytes: number): KeptBody {
  const receivedBytes = Buffer.byteLength(body, 'utf8');
  let stored = 0;
  let end = 0;
  while (end < body.length) {
    const code = body.charCodeAt(end);
    let units = 1;
    let size: number;
    if (code === 0x22 || code === 0x5c) size = 2;
    else if (code < 0x20)
      size = code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d ? 2 : 6;
    else if (code < 0x80) size = 1;
    else if (code < 0x800) size = 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(body.charCodeAt(end + 1))) {
      size = 4;
      units = 2;
    } else if (code >= 0xd800 && code <= 0xdfff)
      size = 6; // a lone surrogate: JSON.stringify escapes it
    else size = 3;
    if (stored + size > maxBytes) break;
    stored += size;
    end += units;
  }
  if (end === body.length) return { body, receivedBytes, keptBytes: receivedBytes, truncated: false };
  const kept = body.slice(0, end);
  return { body: kept, receivedBytes, keptBytes: Buffer.byteLength(kept, 'utf8'), truncated: true };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
