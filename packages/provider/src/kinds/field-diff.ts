/**
 * Field-level differences between a desired and a live spec, driven by the
 * schema's marks: replace-only fields force a replacement, secret fields are
 * compared but never shown (SENSITIVE stands in for them).
 */
import { containsAny, matchesAny, pointerToken, type FieldMarks } from '@apigw/schema';
import type { FieldChange } from './resource-handler';

/** What renderers print instead of a secret value. */
export const SENSITIVE = '(sensitive)';

/** Structural equality of JSON values (key order ignored, undefined members ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const key in ra) {
    if (ra[key] === undefined) continue;
    count++;
    if (!jsonEqual(ra[key], rb[key])) return false;
  }
  for (const key in rb) if (rb[key] !== undefined) count--;
  return count === 0;
}

/**
 * A copy of `value` (found at `path`) with every secret field below it
 * replaced by SENSITIVE.
 */
export function maskSecrets(value: unknown, marks: FieldMarks, path: readonly string[] = []): unknown {
  if (value === undefined) return undefined;
  if (matchesAny(marks.secret, path)) return SENSITIVE;
  if (!containsAny(marks.secret, path) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => maskSecrets(v, marks, [...path, String(i)]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v, marks, [...path, k]);
  return out;
}

/**
 * Field-level differences from `live` to `desired`, both normalized. Objects
 * are compared key by key; arrays of objects of equal length element by
 * element; anything else (scalars, lists of scalars, lists that grew or
 * shrank) is one change. A secret whose live value the gateway does not
 * return cannot be compared and is taken as unchanged.
 */
export function diffFields(desired: unknown, live: unknown, marks: FieldMarks): FieldChange[] {
  const out: FieldChange[] = [];
  walk(desired, live, [], marks, out);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(after: unknown, before: unknown, path: string[], marks: FieldMarks, out: FieldChange[]): void {
  if (jsonEqual(after, before)) return;
  const secret = matchesAny(marks.secret, path);
  if (secret && before === undefined && after !== undefined) return;
  if (!secret && isObject(after) && isObject(before)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of [...keys].sort()) walk(after[key], before[key], [...path, key], marks, out);
    return;
  }
  if (!secret && Array.isArray(after) && Array.isArray(before) && after.length === before.length && after.some(isObject)) {
    for (let i = 0; i < after.length; i++) walk(after[i], before[i], [...path, String(i)], marks, out);
    return;
  }
  const forcesReplacement = path.some((_, i) => matchesAny(marks.replace, path.slice(0, i + 1)));
  const change: FieldChange = {
    path: path.map(pointerToken).map((t) => `/${t}`).join(''),
    before: maskSecrets(before, marks, path),
    after: maskSecrets(after, marks, path),
    forcesReplacement,
    ...(secret ? { secret: true } : {}),
  };
  out.push(change);
}
