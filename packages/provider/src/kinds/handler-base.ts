/**
 * The behaviour every kind shares, built from the schema: identity from the
 * kind registry, normalization by the schema's defaults and canonical order,
 * field diffs from the schema's marks, and one runtime operation each for
 * create, update and delete.
 */
import {
  ANY,
  DocumentInvalidError,
  canonicalJson,
  containsAny,
  fieldMarks,
  matchesAny,
  type FieldMarks,
  canonicalSpec,
  kindInfo,
  resourceId,
  validateResource,
  type Kind,
  type KindSpecs,
} from '@apigw/schema';
import type { LiveResource, Operation, StoredSpec } from '@apigw/runtime';
import type { ChangeContext, Consequence, PlanEvent, PlanOp, PlanStep } from '../diff/plan';
import { diffFields, jsonEqual } from './field-diff';
import type { FieldChange, LiveBase, ResourceHandler } from './resource-handler';

/**
 * The behaviour every kind shares: identity from `resourceId`, normalization
 * from the schema, field diffs driven by the schema's marks, and one
 * create/update/delete operation each. The API handler extends it with
 * publishing.
 */
export class BaseHandler<K extends Kind> implements ResourceHandler<K> {
  readonly label: string;
  protected readonly marks: FieldMarks;

  constructor(readonly kind: K) {
    this.label = kindInfo(kind).label;
    this.marks = fieldMarks(kind);
  }

  id(spec: KindSpecs[K]): string {
    return resourceId(this.kind, spec);
  }

  normalize(spec: KindSpecs[K]): KindSpecs[K] {
    const result = validateResource(this.kind, spec);
    if (!result.ok) throw new DocumentInvalidError(result.problems, `${this.label} ${this.describe(spec)}`);
    return canonicalSpec(this.kind, result.value);
  }

  /**
   * The live spec, normalized. The gateway does not return secrets
   * (certificate private keys): one it did not return stays absent from
   * the result, never invented, and a diff takes it as unchanged.
   */
  toSpec(live: LiveResource<K>): KindSpecs[K] {
    if (this.marks.secret.length === 0) return this.normalize(live.spec as unknown as KindSpecs[K]);
    // Validated with a stand-in where a required secret was not returned, then left out again.
    const filled = fillSecrets(live.spec, this.marks.secret, []) as KindSpecs[K];
    return stripSecrets(this.normalize(filled), this.marks.secret, [], (v) => v === UNREAD) as KindSpecs[K];
  }

  redact(spec: KindSpecs[K]): KindSpecs[K] {
    if (this.marks.secret.length === 0) return spec;
    return stripSecrets(spec, this.marks.secret, []) as KindSpecs[K];
  }

  diff(desired: KindSpecs[K], live: LiveResource<K>): FieldChange[] {
    return this.compare(this.normalize(desired), this.toSpec(live));
  }

  /** Field changes between two normalized specs (the reconciler's fast path). */
  compare(desired: KindSpecs[K], live: KindSpecs[K]): FieldChange[] {
    return diffFields(desired, live, this.marks);
  }

  requiresReplacement(changes: readonly FieldChange[]): boolean {
    return changes.some((c) => c.forcesReplacement);
  }

  createOps(desired: KindSpecs[K]): Operation[] {
    return [{ op: 'create', kind: this.kind, spec: this.stored(desired) }];
  }

  updateOps(desired: KindSpecs[K], _live: LiveResource<K>): Operation[] {
    return [{ op: 'update', kind: this.kind, spec: this.stored(desired) }];
  }

  deleteOps(live: LiveResource<K>): Operation[] {
    return [{ op: 'delete', kind: this.kind, id: live.id }];
  }

  readonly verbs: { readonly create: PlanOp; readonly delete: PlanOp } = { create: 'create', delete: 'delete' };

  liveRecord(_live: LiveResource<K>): Record<string, unknown> {
    return {};
  }

  liveFromRecord(base: LiveBase<K>, spec: Record<string, unknown>, _record: Readonly<Record<string, unknown>>): LiveResource<K> {
    return { ...base, spec: spec as unknown as StoredSpec<K> } as LiveResource<K>;
  }

  /**
   * The common case, cheaply: the live spec already equals the desired one
   * (the runtime stores specs with their defaults filled), or does once put
   * in canonical order. Anything else goes through the full diff.
   */
  inSync(desired: KindSpecs[K], live: LiveResource<K>): boolean {
    if (jsonEqual(desired, live.spec)) return true;
    try {
      return jsonEqual(desired, canonicalSpec(this.kind, live.spec as unknown as KindSpecs[K]));
    } catch {
      return false;
    }
  }

  planCreate(id: string, desired: KindSpecs[K], _replaced: boolean): PlanStep[] {
    return [{ event: { op: this.verbs.create, kind: this.kind, id, desired: this.redact(desired), changes: [] }, operations: this.createOps(desired) }];
  }

  planChange(desired: KindSpecs[K], live: LiveResource<K>, context: ChangeContext): PlanStep[] {
    const liveSpec = this.toSpec(live);
    const base = { kind: this.kind, id: live.id, desired: this.redact(desired), live: this.redact(liveSpec) };
    const adoptOps = this.adoptOps(live, context);
    const changes = this.compare(desired, liveSpec);
    if (changes.length === 0) return context.adopting ? [{ event: { ...base, op: 'adopt', changes: [] }, operations: adoptOps }] : [];
    if (this.requiresReplacement(changes)) {
      const forcing = changes.filter((c) => c.forcesReplacement).map((c) => c.path.slice(1).replace(/\//g, '.'));
      return [
        {
          event: { ...base, op: 'replace', changes, reason: `${forcing.join(', ')} cannot change in place` },
          operations: [...adoptOps, ...this.deleteOps(live), ...this.createOps(desired)],
          replacing: true,
        },
      ];
    }
    const consequences = this.consequences(desired, liveSpec, context);
    return [
      {
        event: { ...base, op: context.adopting ? 'adopt' : 'update', changes, ...(consequences.length > 0 ? { consequences } : {}) },
        operations: [...adoptOps, ...this.updateOps(desired, live)],
      },
    ];
  }

  planDelete(live: LiveResource<K>): PlanStep {
    return {
      event: { op: this.verbs.delete, kind: this.kind, id: live.id, live: this.redact(this.toSpec(live)), changes: [], reason: 'not in the document' },
      operations: this.deleteOps(live),
    };
  }

  renameKey(spec: KindSpecs[K]): string | undefined {
    const { name: _name, ...rest } = spec as unknown as Record<string, unknown>;
    return canonicalJson(rest);
  }

  explainRename(deleted: PlanEvent, created: PlanEvent): { readonly deleted: string; readonly created: string } {
    return { deleted: `renamed to ${created.id}; a name is an identity`, created: `renamed from ${deleted.id}; a name is an identity` };
  }

  withRevocations(_operation: Operation, _event: PlanEvent): boolean {
    return false;
  }

  /** Effects of an in-place update on resources the plan does not touch (none, unless a kind says otherwise). */
  protected consequences(_desired: KindSpecs[K], _live: KindSpecs[K], _context: ChangeContext): Consequence[] {
    return [];
  }

  /** The adopt operation that comes first when the stack takes the resource over. */
  protected adoptOps(live: LiveResource<K>, context: ChangeContext): Operation[] {
    return context.adopting ? [{ op: 'adopt', kind: this.kind, id: live.id, fromStack: live.stack }] : [];
  }

  /** The spec as the runtime stores it. */
  protected stored(spec: KindSpecs[K]): StoredSpec<Kind> {
    return spec as unknown as StoredSpec<Kind>;
  }

  private describe(spec: unknown): string {
    try {
      return this.id(spec as KindSpecs[K]);
    } catch {
      return '(unnamed)';
    }
  }
}

/**
 * Stands in for a secret the gateway did not return, while a live spec is
 * validated; long enough for any length bound a secret has (a JWT secret
 * is at least 32 characters).
 */
const UNREAD = '\u0000unread secret, standing in while the live spec is validated\u0000';

function fillSecrets(value: unknown, secrets: readonly (readonly string[])[], path: readonly string[]): unknown {
  if (value === null || typeof value !== 'object' || !containsAny(secrets, path)) return value;
  if (Array.isArray(value)) return value.map((v, i) => fillSecrets(v, secrets, [...path, String(i)]));
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const secret of secrets) {
    if (secret.length !== path.length + 1 || !containsAny([secret], path)) continue;
    const key = secret[path.length]!;
    if (key !== ANY && out[key] === undefined) out[key] = UNREAD;
  }
  for (const [k, v] of Object.entries(out)) out[k] = fillSecrets(v, secrets, [...path, k]);
  return out;
}

/** `value` without the secret fields below it (only those whose value `which` picks, when given). */
function stripSecrets(value: unknown, secrets: readonly (readonly string[])[], path: readonly string[], which: (secret: unknown) => boolean = () => true): unknown {
  if (value === null || typeof value !== 'object' || !containsAny(secrets, path)) return value;
  if (Array.isArray(value)) return value.map((v, i) => stripSecrets(v, secrets, [...path, String(i)], which));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const at = [...path, k];
    if (!matchesAny(secrets, at)) out[k] = stripSecrets(v, secrets, at, which);
    else if (!which(v)) out[k] = v;
  }
  return out;
}
