/**
 * Saved plans (`apigw plan --out FILE`, `apigw apply FILE`): written without
 * secrets, which are read back from the source document when the plan is
 * applied.
 */
import * as fs from 'node:fs';
import { KINDS, resourceId, type AnySpec, type Kind } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';
import { DOCUMENT_SOURCES, loadDocument, type DocumentSource } from '../desired';
import type { Plan, PlanEvent, PlanSummary } from '../diff';
import { PlanFileInvalidError, SourceInvalidError } from '../errors';
import { PLAN_FORMAT_VERSION, isSecretRef, renderJson, secretRef, type PlanDocument } from '../render';

/** A plan read back from a file, ready to apply. */
export interface SavedPlan {
  readonly file: string;
  readonly stack: string;
  readonly revision: number;
  readonly events: readonly PlanEvent[];
  readonly summary: PlanSummary;
  /** The operations, secrets restored from the source document. */
  readonly operations: readonly Operation[];
}

/** Writes a plan (`apigw plan --out FILE`); secrets become references to `source`. */
export function writePlanFile(file: string, plan: Plan, source: string): void {
  fs.writeFileSync(file, renderJson(plan, source), { mode: 0o600 });
}

/**
 * Reads a plan file written by writePlanFile. Operations holding secret
 * references get their values back from the source document, which must
 * still hold the same secrets (checked by digest).
 */
export async function readPlanFile(file: string, sources: readonly DocumentSource[] = DOCUMENT_SOURCES): Promise<SavedPlan> {
  let doc: PlanDocument;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as PlanDocument;
  } catch (error) {
    throw new PlanFileInvalidError(file, `cannot be read as JSON (${(error as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || doc.formatVersion !== PLAN_FORMAT_VERSION)
    throw new PlanFileInvalidError(file, `not an apigw plan (formatVersion ${PLAN_FORMAT_VERSION} expected)`);
  if (typeof doc.stack !== 'string' || !Number.isInteger(doc.revision) || !Array.isArray(doc.operations) || !Array.isArray(doc.events))
    throw new PlanFileInvalidError(file, 'stack, revision, events and operations are required');
  const operations = doc.operations as Operation[];
  const needsSecrets = operations.some((op) => (op.op === 'create' || op.op === 'update') && containsSecretRef(op.spec));
  const restored = needsSecrets ? await restoreSecrets(file, doc, operations, sources) : operations;
  return { file, stack: doc.stack, revision: doc.revision, events: doc.events, summary: doc.summary, operations: restored };
}

function containsSecretRef(value: unknown): boolean {
  if (isSecretRef(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(containsSecretRef);
}

async function restoreSecrets(file: string, doc: PlanDocument, operations: readonly Operation[], sources: readonly DocumentSource[]): Promise<Operation[]> {
  if (!doc.source) throw new PlanFileInvalidError(file, 'the plan holds secret references but names no source document');
  let source;
  try {
    source = (await loadDocument(doc.source, sources)).document;
  } catch (error) {
    if (error instanceof SourceInvalidError) throw new PlanFileInvalidError(file, `its secrets come from ${doc.source}, which cannot be read: ${error.message}`);
    throw error;
  }
  const specs = new Map<string, AnySpec>();
  for (const { kind, collection } of KINDS) for (const spec of source[collection] as AnySpec[]) specs.set(`${kind} ${resourceId(kind, spec as never)}`, spec);
  return operations.map((op) => {
    if ((op.op !== 'create' && op.op !== 'update') || !containsSecretRef(op.spec)) return op;
    const id = resourceId(op.kind as Kind, op.spec as never);
    const from = specs.get(`${op.kind} ${id}`);
    if (!from) throw new PlanFileInvalidError(file, `${op.kind} ${id} is no longer in ${doc.source}, so its secrets cannot be restored; plan again`);
    return { ...op, spec: restore(op.spec, from, file, `${op.kind} ${id}`) } as Operation;
  });
}

function restore(value: unknown, source: unknown, file: string, what: string): unknown {
  if (isSecretRef(value)) {
    if (typeof source !== 'string' || secretRef(source).$secret !== value.$secret) throw new PlanFileInvalidError(file, `a secret of ${what} changed in the source document since the plan was made; plan again`);
    return source;
  }
  if (value === null || typeof value !== 'object') return value;
  const src = (source ?? {}) as Record<string, unknown>;
  if (Array.isArray(value)) return value.map((v, i) => restore(v, (src as unknown as unknown[])[i], file, what));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = restore(v, src[k], file, what);
  return out;
}
