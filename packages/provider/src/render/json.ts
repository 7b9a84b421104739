/**
 * The machine-readable plan (`apigw plan --json`, `--out`), versioned and
 * described by schema/plan.schema.json.
 */
import { createHash } from 'node:crypto';
import { fieldMarks, matchesAny, type Kind } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';
import type { Plan, PlanEvent, PlanSummary } from '../diff';

/** Version of the machine-readable plan format (`schema/plan.schema.json`). */
export const PLAN_FORMAT_VERSION = 1;

/** Stands for a secret in a saved operation; the value is read back from the source document at apply time. */
export interface SecretRef {
  /** `sha256:<hex>` of the secret, to check the source document still holds the same value. */
  readonly $secret: string;
}

/**
 * A plan as JSON (`apigw plan --json`, and the file `--out` writes): the
 * events to read, and the exact operations `apigw apply plan.json` sends.
 * Every secret in the operations is replaced by a SecretRef.
 */
export interface PlanDocument {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly stack: string;
  readonly revision: number;
  readonly summary: PlanSummary;
  readonly events: readonly PlanEvent[];
  readonly operations: readonly unknown[];
  /** The document the plan was made from (absolute path); apply reads secrets back from it. */
  readonly source?: string;
}

/** The plan in its JSON form; `source`, when given, is recorded so that apply can read the plan's secrets back from it. */
export function toPlanDocument(plan: Plan, source?: string): PlanDocument {
  const operations = plan.operations.map(redactOperation);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    stack: plan.stack,
    revision: plan.revision,
    summary: plan.summary,
    events: plan.events,
    operations,
    ...(source !== undefined ? { source } : {}),
  };
}

/** `apigw plan --json`. */
export function renderJson(plan: Plan, source?: string): string {
  return JSON.stringify(toPlanDocument(plan, source), null, 2) + '\n';
}

/** The sha256 reference of a secret value. */
export function secretRef(value: string): SecretRef {
  return { $secret: `sha256:${createHash('sha256').update(value, 'utf8').digest('hex')}` };
}

/** True for a SecretRef. */
export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === 'object' && value !== null && typeof (value as { $secret?: unknown }).$secret === 'string' && Object.keys(value).length === 1;
}

function redactOperation(op: Operation): unknown {
  if (op.op !== 'create' && op.op !== 'update') return op;
  const secrets = fieldMarks(op.kind as Kind).secret;
  if (secrets.length === 0) return op;
  return { ...op, spec: replaceAt(op.spec, secrets, []) };
}

function replaceAt(value: unknown, patterns: readonly (readonly string[])[], path: readonly string[]): unknown {
  if (matchesAny(patterns, path))
    return typeof value === 'string' ? secretRef(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v, i) => replaceAt(v, patterns, [...path, String(i)]));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = replaceAt(v, patterns, [...path, k]);
  return out;
}
