/**
 * Cuts text longer than `max` characters, ending it with a marker that says how much was cut, so
 * the model knows the result is partial. The marker fits within `max` when `max` leaves room for it.
 */
export function truncate(text: string, max: number): string {
  if (!Number.isInteger(max) || max < 0)
    throw new RangeError(`truncate: max must be a non-negative integer, got ${max}`);
  if (text.length <= max) return text;
  const markerFor = (cut: number) => `\n[truncated: ${cut} of ${text.length} characters cut]`;
  // The marker's own length depends on the count it prints: size it for the largest possible cut.
  const room = Math.max(0, max - markerFor(text.length).length);
  let kept = text.slice(0, room);
  // Never leave half of a surrogate pair at the cut.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return kept + markerFor(text.length - kept.length);
}
