/**
 * The shape of a resource in the Pulumi state, and the way between it and
 * the runtime's live resources.
 *
 * Inputs are the resource's document spec plus `stack` (the owning apigw
 * stack) and `adopt`. Outputs are the live spec in document form (defaults
 * filled, secrets left out), `stack` as the gateway records it, and what
 * the gateway adds: an API's definition `digest` and `published` revisions,
 * an app's credentials. From outputs a LiveResource can be rebuilt, so that
 * `diff` asks the kind's handler exactly what the reconciler would ask it.
 */
import { containsAny, fieldMarks, hasCredentials, matchesAny, type Kind, type KindSpecs } from '@apigw/schema';
import type { AppCredentials, LiveApp, LiveResource } from '@apigw/runtime';
import { handlerFor } from '../kinds';

/** Property bag as Pulumi hands it to a provider. */
export type PropertyMap = Readonly<Record<string, unknown>>;

/** The inputs and outputs that are not part of a kind's spec. */
export const META_KEYS = ['stack', 'adopt', 'digest', 'published', 'appKey', 'appSecret', 'appCode', 'appId'] as const;

/**
 * The spec part of a property bag: the schema's fields, absent and null
 * members dropped; any other member is kept so that validation names it.
 */
export function specFromProps<K extends Kind>(_kind: K, props: PropertyMap): KindSpecs[K] {
  const meta = new Set<string>(META_KEYS);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('__') || meta.has(key) || value === undefined || value === null) continue;
    out[key] = value;
  }
  return out as unknown as KindSpecs[K];
}

/** The owning stack a property bag records (null: nobody; undefined: not recorded). */
export function ownerOf(props: PropertyMap): string | null | undefined {
  const stack = props['stack'];
  if (stack === null) return null;
  return typeof stack === 'string' && stack !== '' ? stack : undefined;
}

/** The outputs Pulumi records for a live resource (one whose kind has credentials, an app, with them). */
export function outputsFromLive<K extends Kind>(kind: K, live: LiveResource<K>, credentials?: AppCredentials): Record<string, unknown> {
  const handler = handlerFor(kind);
  const outs: Record<string, unknown> = { ...(handler.redact(handler.toSpec(live)) as object), stack: live.stack, ...handler.liveRecord(live) };
  if (hasCredentials(kind)) {
    const app = live as unknown as LiveApp;
    outs['appKey'] = credentials?.appKey ?? app.appKey;
    if (credentials) {
      outs['appSecret'] = credentials.appSecret;
      outs['appCode'] = credentials.appCode;
    }
    const appId = credentials?.appId ?? app.appId;
    if (appId !== undefined) outs['appId'] = appId;
  }
  return outs;
}

/** The inputs `read` reports: what a program would have to say to match the live resource. */
export function inputsFromLive<K extends Kind>(kind: K, live: LiveResource<K>): Record<string, unknown> {
  const handler = handlerFor(kind);
  const inputs: Record<string, unknown> = { ...(handler.redact(handler.toSpec(live)) as object) };
  if (live.stack !== null) inputs['stack'] = live.stack;
  return inputs;
}

/**
 * The live resource a set of outputs describes, as it was when Pulumi last
 * saw it. Timestamps are not kept in the state; handlers do not use them.
 */
export function liveFromOutputs<K extends Kind>(kind: K, id: string, outs: PropertyMap): LiveResource<K> {
  const spec = specFromProps(kind, outs) as unknown as Record<string, unknown>;
  const owner = ownerOf(outs);
  const base = { kind, id, stack: owner ?? null, createdAt: '', updatedAt: '' };
  const live = handlerFor(kind).liveFromRecord(base, spec, outs);
  if (hasCredentials(kind)) return { ...live, appKey: String(outs['appKey'] ?? '') } as unknown as LiveResource<K>;
  return live;
}

/**
 * `spec` (read from outputs, which never hold secrets) with each secret
 * field it lacks taken from `desired` at the same position: a secret is
 * written, never read back, so the diff takes it as unchanged (as the
 * reconciler and the Terraform provider do) instead of finding a required
 * field missing.
 */
export function withUnreadSecrets(kind: Kind, spec: unknown, desired: unknown): unknown {
  const secret = fieldMarks(kind).secret;
  const fill = (value: unknown, from: unknown, path: readonly string[]): unknown => {
    if (value === null || typeof value !== 'object' || from === null || typeof from !== 'object' || !containsAny(secret, path)) return value;
    if (Array.isArray(value)) return value.map((v, i) => fill(v, (from as unknown[])[i], [...path, String(i)]));
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, v] of Object.entries(from as Record<string, unknown>)) {
      const at = [...path, key];
      if (out[key] === undefined && matchesAny(secret, at)) out[key] = v;
      else if (out[key] !== undefined) out[key] = fill(out[key], v, at);
    }
    return out;
  };
  return fill(spec, desired, []);
}

/**
 * A JSON pointer as a Pulumi property path: `/request/parameters/0/name`
 * becomes `request.parameters[0].name`.
 */
export function propertyPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, token) => (/^\d+$/.test(token) ? `${path}[${token}]` : path === '' ? token : `${path}.${token}`), '');
}

/** The top-level property a JSON pointer lies under (`/backend/service` → `backend`). */
export function topProperty(pointer: string): string {
  const token = pointer.split('/')[1] ?? '';
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
