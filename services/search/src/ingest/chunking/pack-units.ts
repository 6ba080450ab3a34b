import type { Span } from './span';

/**
 * Packs consecutive units (each at most `maxChars`) into chunk spans of at most `maxChars`, from the
 * start of one unit to the end of another. Each next chunk begins with the last units of the previous
 * one that fit in `overlapChars` (whole units only, so possibly none), as long as the chunk can still
 * take the first new unit; every chunk brings at least one new unit.
 */
export function packUnits(units: readonly Span[], maxChars: number, overlapChars: number): Span[] {
  const chunks: Span[] = [];
  let first = 0;
  while (first < units.length) {
    let last = first;
    while (last + 1 < units.length && units[last + 1]!.end - units[first]!.start <= maxChars) last++;
    chunks.push({ start: units[first]!.start, end: units[last]!.end });
    if (last === units.length - 1) break;
    const nextNew = units[last + 1]!;
    let next = last + 1;
    while (
      next - 1 > first &&
      units[last]!.end - units[next - 1]!.start <= overlapChars &&
      nextNew.end - units[next - 1]!.start <= maxChars
    )
      next--;
    first = next;
  }
  return chunks;
}
