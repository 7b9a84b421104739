import type { GatewayDocument, Imports } from './document.generated';
import { KINDS, compareText as compare, kindInfo, resourceId, type Kind, type KindSpecs } from './kinds';

/**
 * JSON text with object keys sorted at every depth: the same value always
 * serializes to the same bytes, whatever order its keys were built in.
 */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Orders a validated document so that equal desired states are equal
 * values: resources sorted by identity, stage and domain sets sorted.
 * Lists whose order means something (parameters) keep their order.
 */
export function canonicalDocument(doc: GatewayDocument): GatewayDocument {
  const out = { ...doc };
  for (const { kind, collection } of KINDS) {
    const items = (doc[collection] as KindSpecs[Kind][]).map((r) => canonicalSpec(kind, r));
    (out as Record<string, unknown>)[collection] = items.sort((a, b) => compare(resourceId(kind, a), resourceId(kind, b)));
  }
  const imports = canonicalImports(doc.imports);
  if (imports) out.imports = imports;
  else delete out.imports;
  return out;
}

/** Imported names sorted per kind; empty sets (and an empty `imports`) are absent. */
function canonicalImports(imports: Imports | undefined): Imports | undefined {
  if (!imports) return undefined;
  const out: Imports = {};
  for (const [collection, names] of Object.entries(imports) as [keyof Imports, string[] | undefined][]) {
    if (names && names.length > 0) out[collection] = [...new Set(names)].sort(compare);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** One resource in canonical form (see canonicalDocument): its kind's sets in canonical order. */
export function canonicalSpec<K extends Kind>(kind: K, spec: KindSpecs[K]): KindSpecs[K] {
  const canonical = kindInfo(kind).canonical;
  return canonical ? canonical(spec) : spec;
}
