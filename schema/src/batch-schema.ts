/**
 * The per-kind parts of `batch.schema.json` (the `Kind` enum and
 * `SpecOfKind`, which says a create or update spec is a resource of its
 * kind), made from the kind registry. The shipped file is this function's
 * output for the built-in kinds (`npm run generate -w @apigw/schema` writes
 * it; a test fails when it is stale); the validator compiles the output for
 * every kind defined so far, so a kind added with defineKind is accepted by
 * `POST /v1/batch` with no other edit.
 */
import batch from '../batch.schema.json';
import schema from '../gateway.schema.json';
import { KINDS, type KindInfo } from './kinds';

type SchemaNode = Record<string, unknown>;

/** One kind's branch of SpecOfKind: a create or update of this kind carries a spec of its schema. */
function specOfKind(info: KindInfo): SchemaNode {
  return {
    if: { properties: { op: { enum: ['create', 'update'] }, kind: { const: info.kind } }, required: ['op', 'kind'] },
    then: { properties: { spec: info.schema ?? { $ref: `${schema.$id}#/$defs/${info.definition}` } } },
  };
}

/**
 * The batch schema with its `Kind` enum and `SpecOfKind` listing `kinds`
 * (default: every kind defined so far, in dependency order); everything
 * else as shipped.
 */
export function composeBatchSchema(kinds: readonly KindInfo[] = KINDS): SchemaNode {
  const copy = structuredClone(batch) as SchemaNode;
  const defs = copy['$defs'] as Record<string, SchemaNode>;
  defs['Kind'] = { ...defs['Kind'], enum: kinds.map((k) => k.kind) };
  defs['SpecOfKind'] = { ...defs['SpecOfKind'], allOf: kinds.map(specOfKind) };
  return copy;
}

/** The text of `batch.schema.json` for `kinds`, as the generate script writes it. */
export function batchSchemaText(kinds: readonly KindInfo[] = KINDS): string {
  return `${JSON.stringify(composeBatchSchema(kinds), null, 2)}\n`;
}
