/**
 * Values not known yet: at plan time a resource's inputs may hold values
 * that another resource computes (an id, a name), which Pulumi and
 * Terraform each mark in their own way. Each adapter finds the unknowns
 * (as JSON pointers into the spec) and asks this module what they mean:
 * which problems stand whatever they turn out to be, whether the identity
 * is known, and which fields force a replacement. The Pulumi resources'
 * check/diff and the Terraform plugin's validate/plan share it, so both
 * decide the same.
 */
import {
  RESOURCE_RULES,
  checkRules,
  fieldMarks,
  identityFields,
  kindSchema,
  pointerToken,
  validateResource,
  type Kind,
  type KindSpecs,
  type Problem,
} from '@apigw/schema';
import { jsonEqual } from '../kinds/field-diff';

/** True when `pointer` is at or below one of `unknowns` (the whole spec is under ''). */
export function underUnknown(pointer: string, unknowns: readonly string[]): boolean {
  return unknowns.some((u) => u === '' || pointer === u || pointer.startsWith(`${u}/`));
}

/**
 * JSON pointers of the values `isUnknown` marks, in a value as an adapter
 * hands it over (Pulumi's property bags hold a sentinel where a value is
 * not computed yet).
 */
export function unknownPointers(value: unknown, isUnknown: (value: unknown) => boolean, pointer = ''): string[] {
  if (isUnknown(value)) return [pointer];
  if (value === null || typeof value !== 'object') return [];
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  return entries.flatMap(([key, v]) => unknownPointers(v, isUnknown, `${pointer}/${pointerToken(key)}`));
}

/** What a spec with unknown values is known to be. */
export interface PartialCheck<K extends Kind> {
  /** The problems that stand whatever the unknowns turn out to be (none at or under an unknown). */
  readonly problems: readonly Problem[];
  /** The spec with defaults filled, when every value is known and it matches the kind's schema. */
  readonly value?: KindSpecs[K];
}

/**
 * The problems of one resource on its own (its schema, then the rules that
 * read one resource alone, RESOURCE_RULES: environment shape, certificate
 * domains, OSS action and method, path parameters, defaults), the ones at
 * or under an unknown value left out. Rules across resources run at apply
 * time, in the gateway. Pointers are relative to the resource.
 */
export function checkPartial<K extends Kind>(kind: K, spec: unknown, unknowns: readonly string[]): PartialCheck<K> {
  if (unknowns.includes('')) return { problems: [] };
  const result = validateResource(kind, unknowns.length === 0 ? spec : withoutUnknowns(spec, unknowns));
  const problems = result.ok
    ? checkRules({ resources: { [kind]: [{ spec: result.value, place: '' }] } }, RESOURCE_RULES).map((f): Problem => ({ code: f.code, pointer: f.pointer, message: f.message }))
    : result.problems;
  const known = problems.filter((p) => !underUnknown(p.pointer, unknowns));
  return result.ok && unknowns.length === 0 ? { problems: known, value: result.value } : { problems: known };
}

/**
 * `spec` without the object members that are not known yet, as the
 * Terraform conversion leaves them out, so the schema judges what is known
 * the same way for every adapter (a missing required member is reported
 * at its own pointer, which is then under the unknown). Array items stay
 * in place, so the pointers of the others do not shift.
 */
function withoutUnknowns(spec: unknown, unknowns: readonly string[]): unknown {
  const copy = structuredClone(spec) as unknown;
  for (const pointer of unknowns) {
    const tokens = pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop();
    let parent: unknown = copy;
    for (const t of tokens) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[t] : undefined;
    if (last !== undefined && parent !== null && typeof parent === 'object' && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[last];
  }
  return copy;
}

/** True when no field the kind's identity is made of is unknown. */
export function identityKnown(kind: Kind, unknowns: readonly string[]): boolean {
  return !identityFields(kind).some((field) => underUnknown(`/${pointerToken(field)}`, unknowns));
}

/** The top-level fields of a kind's spec, in its schema's order. */
export function specFields(kind: Kind): readonly string[] {
  let fields = fieldsByKind.get(kind);
  if (!fields) {
    fields = Object.keys((kindSchema(kind)['properties'] as Readonly<Record<string, unknown>> | undefined) ?? {});
    fieldsByKind.set(kind, fields);
  }
  return fields;
}
const fieldsByKind = new Map<Kind, readonly string[]>();

/**
 * The top-level fields that force a replacement of a resource whose spec
 * was `before` by one whose spec is `after` with `unknowns`: those changed
 * or not known yet that are replace-only (or hold a replace-only field) or
 * part of the identity. An unknown value may turn out equal, so this is
 * the most a plan must announce.
 */
export function replacedFields(kind: Kind, before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>, unknowns: readonly string[]): string[] {
  const replaceOnly = new Set(fieldMarks(kind).replace.map((path) => path[0]));
  const identity = new Set(identityFields(kind));
  return specFields(kind).filter((field) => {
    const unknown = underUnknown(`/${pointerToken(field)}`, unknowns) || unknowns.some((u) => u.startsWith(`/${pointerToken(field)}/`));
    if (!unknown && jsonEqual(before[field], after[field])) return false;
    return replaceOnly.has(field) || identity.has(field);
  });
}
