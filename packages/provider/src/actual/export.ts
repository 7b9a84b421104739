/**
 * `apigw export`: the live resources of one stack as a document that plans
 * no change when applied to the same gateway.
 */
import { KINDS, canonicalDocument, referencesOf, resourcesOf, type AnySpec, type GatewayDocument, type Imports, type Kind } from '@apigw/schema';
import type { LiveResource, LiveState } from '@apigw/runtime';
import { ExportAmbiguousError } from '../errors';
import { handlerFor } from '../kinds';
import { stacksOf } from './read-state';

/**
 * The live resources a stack owns, as a document that plans no change when
 * applied to the same gateway: specs normalized from the schema, an API's
 * stages taken from where it is published, and references to resources of
 * other stacks listed as imports. Secrets (certificate private keys) are
 * left out; a document with certificates needs its keys put back before it
 * is applied elsewhere.
 *
 * Without `stack`, the one stack that owns resources is exported;
 * ExportAmbiguousError when there are several.
 */
export function exportDocument(state: LiveState, stack?: string): GatewayDocument {
  const name = stack ?? soleStack(state);
  const doc: Record<string, unknown> = { apiVersion: 'apigw/v1', stack: name };
  const owned = new Map<string, Set<string>>();
  for (const { kind, collection } of KINDS) {
    const handler = handlerFor(kind);
    const specs: AnySpec[] = [];
    const ids = new Set<string>();
    for (const live of state[collection] as LiveResource[]) {
      if (live.stack !== name) continue;
      specs.push(handler.redact(handler.toSpec(live as never)));
      ids.add(live.id);
    }
    doc[collection] = specs;
    owned.set(kind, ids);
  }
  const imports = importsOf(doc as unknown as GatewayDocument, owned);
  if (imports) doc['imports'] = imports;
  return canonicalDocument(doc as unknown as GatewayDocument);
}

function soleStack(state: LiveState): string {
  const stacks = stacksOf(state);
  if (stacks.length !== 1) throw new ExportAmbiguousError(stacks);
  return stacks[0]!;
}

/**
 * References to resources the document does not define, by collection:
 * every reference the kind registry lists for the document's resources
 * (`referencesOf`) whose target the stack does not own.
 */
function importsOf(doc: GatewayDocument, owned: ReadonlyMap<string, ReadonlySet<string>>): Imports | undefined {
  const found = new Map<Kind, Set<string>>();
  for (const { kind } of KINDS)
    for (const spec of resourcesOf(doc, kind))
      for (const ref of referencesOf(kind, spec)) {
        if (owned.get(ref.kind)?.has(ref.id)) continue;
        let ids = found.get(ref.kind);
        if (!ids) found.set(ref.kind, (ids = new Set()));
        ids.add(ref.id);
      }
  const out: Record<string, string[]> = {};
  for (const { kind, collection } of KINDS) {
    const ids = found.get(kind);
    if (ids && ids.size > 0) out[collection] = [...ids].sort();
  }
  return Object.keys(out).length > 0 ? (out as Imports) : undefined;
}
