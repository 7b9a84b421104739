/**
 * Reads the schema's `x-apigw-replace` and `x-apigw-secret` marks into paths
 * per kind, so which fields force a replacement or hold a secret is declared
 * once, in the schema: the reconciler's handlers, the IaC adapters and the
 * runtime's state reads (which never return a secret) all ask here.
 */
import { onBackendTypeDefined } from './backend-types';
import type { Kind } from './kinds';
import { documentDefinitions, kindSchema } from './validate';

/**
 * Where a kind's replace-only (`x-apigw-replace`) and secret
 * (`x-apigw-secret`) fields are, read from the document schema so that the
 * schema stays the one place these properties are declared.
 *
 * A path is a list of object keys from the resource's root; `*` stands for
 * any array index or any key of a map (`additionalProperties`).
 */
export interface FieldMarks {
  /** Fields whose change cannot be made in place. */
  readonly replace: readonly (readonly string[])[];
  /** Fields whose value must never be shown. */
  readonly secret: readonly (readonly string[])[];
}

/** Matches any array index or map key in a marked path. */
export const ANY = '*';

type SchemaNode = Readonly<Record<string, unknown>>;

const cache = new Map<Kind, FieldMarks>();
// A backend type's field may carry marks of its own.
onBackendTypeDefined(() => cache.clear());

/** The marked fields of one kind (computed once). */
export function fieldMarks(kind: Kind): FieldMarks {
  let marks = cache.get(kind);
  if (!marks) {
    const replace: string[][] = [];
    const secret: string[][] = [];
    walk(documentDefinitions(), kindSchema(kind), [], new Set(), replace, secret);
    marks = { replace, secret };
    cache.set(kind, marks);
  }
  return marks;
}

function walk(defs: Readonly<Record<string, SchemaNode>>, node: SchemaNode, path: string[], visiting: Set<string>, replace: string[][], secret: string[][]): void {
  if (path.length > 0) {
    if (node['x-apigw-replace'] === true) replace.push(path);
    if (node['x-apigw-secret'] === true) secret.push(path);
  }
  const ref = node['$ref'];
  // A ref to the document schema's definitions: relative, or by full URI (a kind defined with defineKind).
  if (typeof ref === 'string' && ref.includes('#/$defs/')) {
    const name = ref.slice(ref.indexOf('#/$defs/') + '#/$defs/'.length);
    const target = defs[name];
    if (target && !visiting.has(name)) {
      visiting.add(name);
      walk(defs, target, path, visiting, replace, secret);
      visiting.delete(name);
    }
  }
  const properties = node['properties'];
  if (properties && typeof properties === 'object')
    for (const [key, child] of Object.entries(properties as Record<string, SchemaNode>))
      walk(defs, child, [...path, key], visiting, replace, secret);
  const items = node['items'];
  if (items && typeof items === 'object') walk(defs, items as SchemaNode, [...path, ANY], visiting, replace, secret);
  const additional = node['additionalProperties'];
  if (additional && typeof additional === 'object') walk(defs, additional as SchemaNode, [...path, ANY], visiting, replace, secret);
}

/** True when `path` is one of `patterns` (wildcards match any token). */
export function matchesAny(patterns: readonly (readonly string[])[], path: readonly string[]): boolean {
  return patterns.some((p) => p.length === path.length && p.every((token, i) => token === ANY || token === path[i]));
}

/** True when some pattern lies strictly below `path` (the value at `path` contains a marked field). */
export function containsAny(patterns: readonly (readonly string[])[], path: readonly string[]): boolean {
  return patterns.some((p) => p.length > path.length && path.every((token, i) => p[i] === ANY || p[i] === token));
}
