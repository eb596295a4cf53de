import { capBody } from './body-cap.js';

/** What the row stores for the body: its JSON string form, without the quotes. */
const storedBytes = (body: string) => Buffer.byteLength(JSON.stringify(body), 'utf8') - 2;

describe('capBody', () => {
  it('keeps a body within the cap as it is', () => {
    // Stored as {\"a\":1}: 9 bytes.
    expect(capBody('{"a":1}', 9)).toEqual({ body: '{"a":1}', receivedBytes: 7, keptBytes: 7, truncated: false });
    expect(capBody('{"a":1}', 8)).toEqual({ body: '{"a":1', receivedBytes: 7, keptBytes: 6, truncated: true });
  });

  it('cuts a longer body to the cap as stored, and says how large it was', () => {
    const body = 'x'.repeat(300_000);
    expect(capBody(body, 262_144)).toEqual({
      body: 'x'.repeat(262_144),
      receivedBytes: 300_000,
      keptBytes: 262_144,
      truncated: true,
    });
  });

  it('counts escapes as stored: a quote 2, a newline 2, a NUL 6', () => {
    expect(capBody('"\n\u0000a', 10)).toMatchObject({ body: '"\n\u0000', truncated: true });
    expect(capBody('"\n\u0000a', 9)).toMatchObject({ body: '"\n', truncated: true });
  });

  it('never splits a character or a surrogate pair', () => {
    expect(capBody('é😀z', 5)).toMatchObject({ body: 'é', receivedBytes: 7, keptBytes: 2, truncated: true });
    expect(capBody('é😀z', 6)).toMatchObject({ body: 'é😀', keptBytes: 6, truncated: true });
    // A lone surrogate is stored as the 6 characters of its escape.
    expect(capBody('a\ud800b', 6)).toMatchObject({ body: 'a', truncated: true });
  });

  it('agrees with JSON.stringify on every kind of character', () => {
    const body = 'plain "quoted" \\ back\u0001\u001f\t tab é 中 😀 \udfff lone \u2028'.repeat(50);
    expect(storedBytes(body)).toBeGreaterThan(3000);
    for (const cap of [1, 17, 100, 1000, 3000]) {
      const kept = capBody(body, cap);
      expect(storedBytes(kept.body)).toBeLessThanOrEqual(cap);
      // One more character would not have fitted.
      const next = body.slice(0, kept.body.length + (body.codePointAt(kept.body.length)! > 0xffff ? 2 : 1));
      expect(storedBytes(next)).toBeGreaterThan(cap);
    }
    expect(storedBytes(capBody(body, 1_000_000).body)).toBe(storedBytes(body));
  });
});
