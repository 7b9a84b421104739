/**
 * "Did you mean" for names a user typed: the known names closest to a
 * misspelt one, by edit distance. Used wherever a name is looked up and
 * not found (construct props, API names on the command line).
 */

/** Levenshtein distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * The known names close enough to `name` to be what was meant (case
 * ignored; at most a quarter of the name's letters off, and at least 2
 * edits allowed), closest first.
 */
export function closestNames(name: string, known: readonly string[], limit = 3): string[] {
  const lower = name.toLowerCase();
  const allowed = Math.max(2, Math.floor(name.length / 4));
  return known
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(({ d }) => d <= allowed)
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, limit)
    .map(({ k }) => k);
}
