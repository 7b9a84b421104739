/**
 * Secrets kept out of state reads. The fields the schema marks
 * `x-apigw-secret` (a group's certificate private keys, a JWT plugin's HMAC
 * secret) are stored (the data plane uses them) but, like app secrets,
 * never leave the gateway through `GET /v1/state`, a change read or a
 * resource read. Readers that compare specs treat a secret the gateway
 * does not return as unchanged.
 */
import { ANY, fieldMarks, type Kind } from '@apigw/schema';

/**
 * A stored spec (canonical JSON text) as state reads show it: every field
 * its kind's schema marks secret left out. A spec whose text does not hold
 * the name of a secret field is returned as it is, unparsed.
 */
export function publicSpecText(kind: Kind, spec: string): string {
  const secret = fieldMarks(kind).secret;
  if (secret.length === 0 || !secret.some((path) => spec.includes(`"${path[path.length - 1]!}"`))) return spec;
  const parsed = JSON.parse(spec) as unknown;
  for (const path of secret) remove(parsed, path);
  // Deleting a key keeps the order of the others: the text stays canonical.
  return JSON.stringify(parsed);
}

/** Deletes the member at `path` (`*`: every array item or map member) wherever it is present. */
function remove(value: unknown, path: readonly string[]): void {
  if (value === null || typeof value !== 'object' || path.length === 0) return;
  const [head, ...rest] = path as [string, ...string[]];
  const children: unknown[] = head === ANY ? Object.values(value) : [(value as Record<string, unknown>)[head]];
  if (rest.length === 0) {
    if (Array.isArray(value)) {
      if (head === ANY) value.length = 0;
    } else if (head === ANY) for (const key of Object.keys(value)) delete (value as Record<string, unknown>)[key];
    else delete (value as Record<string, unknown>)[head];
    return;
  }
  for (const child of children) remove(child, rest);
}
