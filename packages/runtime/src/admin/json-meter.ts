/**
 * Counts the objects and arrays of a JSON text as its bytes arrive, so an
 * admin body can be refused before `JSON.parse` sees it. Parsing is one
 * synchronous call whose time grows with the number of values made (two
 * million `{}` in 6 MB took seconds), and the admin API answers nothing
 * meanwhile: the byte limit alone does not bound it, this count does.
 * The count is exact for valid JSON (brackets inside strings are skipped).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** Most objects and arrays one admin body may hold (a 10,000-API apply holds about 250,000). */
export const MAX_JSON_CONTAINERS = 500_000;

/** A running count of the `{` and `[` outside strings of a byte stream. */
export class JsonMeter {
  /** Objects and arrays seen so far. */
  containers = 0;
  private inString = false;
  private escaped = false;

  /** Feeds the next chunk; returns the running count. */
  add(chunk: Uint8Array): number {
    let n = this.containers;
    let inString = this.inString;
    let escaped = this.escaped;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) n++;
    }
    this.containers = n;
    this.inString = inString;
    this.escaped = escaped;
    return n;
  }
}
