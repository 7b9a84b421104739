/**
 * The kinds of resource a document declares, and every fact about a kind
 * that more than one tool needs: its collection in the document, its schema
 * definition, what people call it, its identity, which other resources it
 * names (the reference graph) and whether a document may import it. The
 * validator, the runtime's batch engine and admin paths, the batch schema,
 * the planner and the IaC adapters all read these facts from here; adding a
 * kind is one entry in `KindSpecs` and one in `KIND_TABLE` (beside its
 * schema definition and its handler), or one defineKind call.
 */
import { backendTypeInfo } from './backend-types';
import type { Api, ApiGroup, App, Authorization, BackendService, GatewayDocument, Plugin, PluginAttachment, Stage, VpcAccess } from './document.generated';

/** The spec type of each kind of resource. */
export interface KindSpecs {
  vpcAccess: VpcAccess;
  backendService: BackendService;
  group: ApiGroup;
  api: Api;
  app: App;
  authorization: Authorization;
  plugin: Plugin;
  pluginAttachment: PluginAttachment;
}

/** A kind of resource the document declares. */
export type Kind = keyof KindSpecs;

/** The spec of any resource. */
export type AnySpec = KindSpecs[Kind];

/** The document's array that lists resources of kind K: the member of GatewayDocument whose items are exactly KindSpecs[K]. */
export type CollectionOf<K extends Kind> = K extends Kind
  ? {
      [C in keyof GatewayDocument]-?: [NonNullable<GatewayDocument[C]>] extends [KindSpecs[K][]] ? ([KindSpecs[K][]] extends [NonNullable<GatewayDocument[C]>] ? C : never) : never;
    }[keyof GatewayDocument]
  : never;

/** The document's array that lists resources of any kind (`vpcAccesses`, `apis`...). */
export type Collection = CollectionOf<Kind>;

/** One resource naming another: the target and where, within the spec, the name is. */
export interface Reference {
  readonly kind: Kind;
  readonly id: string;
  /** JSON pointer of the reference within the referring spec (`/backend/service`). */
  readonly pointer: string;
}

/** How one kind appears in the document and the schema, and what it refers to. */
export interface KindInfo<K extends Kind = Kind> {
  readonly kind: K;
  /** The document's array that lists resources of this kind. */
  readonly collection: CollectionOf<K>;
  /** The schema definition (`#/$defs/...`) of one resource, or the title of `schema` for a kind defined with defineKind. */
  readonly definition: string;
  /**
   * The JSON Schema of one resource, for a kind defined with defineKind
   * (the built-in kinds' are in gateway.schema.json). It may `$ref` the
   * document schema's definitions by their full URI.
   */
  readonly schema?: Readonly<Record<string, unknown>>;
  /** What plans and headings call it (`API`, `backend service`). */
  readonly label: string;
  /** What messages call it mid-sentence, as the gateway's own errors do (`api shop/getUser is in use`). */
  readonly noun: string;
  /** Whether a document may name resources of this kind it does not define (`imports`). */
  readonly importable: boolean;
  /** Identity within the kind. */
  id(spec: KindSpecs[K]): string;
  /**
   * The top-level fields `id` is made of: changing one makes a different
   * resource (a rename is a delete and a create). Default: `['name']`.
   */
  readonly identityFields?: readonly string[];
  /**
   * The identity fields an id is made of: the inverse of `id`, undefined
   * when the id has the wrong shape. Required when the identity has more
   * than one field; by default a one-field identity is the id itself.
   */
  readonly parseId?: (id: string) => Readonly<Record<string, string>> | undefined;
  /** How the identity is written, for documentation (`group/name`...). Default: `its name`. */
  readonly idForm?: string;
  /** The gateway issues each resource of this kind credentials (AppKey, AppSecret, AppCode), as it does apps. */
  readonly credentials?: boolean;
  /**
   * Every other resource this spec names, each with its pointer. Only
   * references the schema lets through are listed (a VPC reference only on
   * a VPC backend service); whether the target exists is the caller's rule.
   */
  references(spec: KindSpecs[K]): readonly Reference[];
  /** The spec with its sets (domains, stages...) in canonical order; absent when the kind has none. */
  readonly canonical?: (spec: KindSpecs[K]) => KindSpecs[K];
}

const byName = (spec: { name: string }): string => spec.name;
const none = (): readonly Reference[] => [];

/** An API's identity: `group/name`. */
export function apiId(api: { group: string; name: string }): string {
  return `${api.group}/${api.name}`;
}

/** A plugin attachment's identity: the plugin and its target (`plugin:group/api` or `plugin:group`). */
export function pluginAttachmentId(a: { plugin: string; api?: string; group?: string }): string {
  return `${a.plugin}:${a.api ?? a.group ?? ''}`;
}

/** An authorization's identity: the app and the API (`app:group/name`). */
export function authorizationId(a: { app: string; api: string }): string {
  return `${a.app}:${a.api}`;
}

/**
 * The facts of every kind, keyed by kind. Key order is dependency order:
 * a resource may refer only to kinds before it.
 */
const KIND_TABLE: { readonly [K in Kind]: KindInfo<K> } = {
  vpcAccess: { kind: 'vpcAccess', collection: 'vpcAccesses', definition: 'VpcAccess', label: 'VPC access', noun: 'VPC access', importable: true, id: byName, references: none },
  backendService: {
    kind: 'backendService',
    collection: 'backendServices',
    definition: 'BackendService',
    label: 'backend service',
    noun: 'backend service',
    importable: true,
    id: byName,
    // What each environment names, as its backend type says (a VPC backend its VPC access).
    references: (b) => {
      const named = backendTypeInfo(b.type)?.references ?? [];
      if (named.length === 0) return [];
      const out: Reference[] = [];
      for (const [stage, env] of Object.entries(b.environments) as [string, Record<string, unknown> | undefined][])
        for (const { field, kind } of named) {
          const id = env?.[field];
          if (typeof id === 'string') out.push({ kind: kind as Kind, id, pointer: `/environments/${stage}/${field}` });
        }
      return out;
    },
  },
  group: {
    kind: 'group',
    collection: 'groups',
    definition: 'ApiGroup',
    label: 'group',
    noun: 'group',
    importable: true,
    id: byName,
    references: none,
    canonical: (g) => ({ ...g, domains: [...g.domains].sort(compareText), certificates: [...g.certificates].sort((a, b) => compareText(a.domain, b.domain)) }),
  },
  api: {
    kind: 'api',
    collection: 'apis',
    definition: 'Api',
    label: 'API',
    noun: 'api',
    importable: true,
    id: apiId,
    identityFields: ['group', 'name'],
    parseId: (id) => {
      const [group, name, ...rest] = id.split('/');
      return group && name && rest.length === 0 ? { group, name } : undefined;
    },
    idForm: 'group/name. Use it wherever an API is referenced',
    references: (a) => [
      { kind: 'group', id: a.group, pointer: '/group' },
      { kind: 'backendService', id: a.backend.service, pointer: '/backend/service' },
    ],
    canonical: (a) => ({ ...a, stages: sortStages(a.stages), request: { ...a.request, protocols: [...a.request.protocols].sort(compareText) as typeof a.request.protocols } }),
  },
  app: { kind: 'app', collection: 'apps', definition: 'App', label: 'app', noun: 'app', importable: true, id: byName, references: none, credentials: true },
  authorization: {
    kind: 'authorization',
    collection: 'authorizations',
    definition: 'Authorization',
    label: 'authorization',
    noun: 'authorization',
    importable: false,
    id: authorizationId,
    identityFields: ['app', 'api'],
    parseId: (id) => {
      const colon = id.indexOf(':');
      const api = id.slice(colon + 1);
      return colon > 0 && KIND_TABLE.api.parseId!(api) ? { app: id.slice(0, colon), api } : undefined;
    },
    idForm: 'app:group/name',
    references: (a) => [
      { kind: 'app', id: a.app, pointer: '/app' },
      { kind: 'api', id: a.api, pointer: '/api' },
    ],
    canonical: (a) => ({ ...a, stages: sortStages(a.stages) as typeof a.stages }),
  },
  plugin: { kind: 'plugin', collection: 'plugins', definition: 'Plugin', label: 'plugin', noun: 'plugin', importable: true, id: byName, references: none },
  pluginAttachment: {
    kind: 'pluginAttachment',
    collection: 'pluginAttachments',
    definition: 'PluginAttachment',
    label: 'plugin attachment',
    noun: 'plugin attachment',
    importable: false,
    id: pluginAttachmentId,
    identityFields: ['plugin', 'api', 'group'],
    // The target is an API (`group/name`) or a group (a name).
    parseId: (id): Readonly<Record<string, string>> | undefined => {
      const colon = id.indexOf(':');
      const target = id.slice(colon + 1);
      if (colon <= 0 || target.length === 0) return undefined;
      if (!target.includes('/')) return { plugin: id.slice(0, colon), group: target };
      return KIND_TABLE.api.parseId!(target) ? { plugin: id.slice(0, colon), api: target } : undefined;
    },
    idForm: 'plugin:group/name for an API, plugin:group for a group',
    references: (a) => [
      { kind: 'plugin', id: a.plugin, pointer: '/plugin' },
      ...(a.api !== undefined ? [{ kind: 'api' as const, id: a.api, pointer: '/api' }] : []),
      ...(a.group !== undefined ? [{ kind: 'group' as const, id: a.group, pointer: '/group' }] : []),
    ],
  },
};

/**
 * Every kind, in dependency order: a resource may refer only to kinds
 * before it. Create and update run top-down, delete bottom-up.
 */
export const KINDS: readonly KindInfo[] = Object.values(KIND_TABLE) as KindInfo[];

/** Every collection of the document, in dependency order. */
export const COLLECTIONS: readonly Collection[] = KINDS.map((k) => k.collection);

const KIND_INDEX = new Map<string, number>(KINDS.map((k, i) => [k.kind, i]));

/**
 * Adds a kind after the built-in ones: its facts, and its schema (the
 * validator compiles it on first use). Every tool that reads the registry
 * (the validator and its rules, the planner, the IaC adapters) then knows
 * the kind; its handler is registered with the provider. A kind may refer
 * only to kinds defined before it. Declare its spec type by augmenting
 * KindSpecs.
 */
export function defineKind<K extends Kind>(info: KindInfo<K> & { readonly schema: Readonly<Record<string, unknown>> }): void {
  if (KIND_INDEX.has(info.kind) || COLLECTIONS.includes(info.collection)) throw new TypeError(`kind ${String(info.kind)} (${String(info.collection)}) is already defined`);
  if ((info.identityFields?.length ?? 1) > 1 && !info.parseId) throw new TypeError(`kind ${String(info.kind)} has several identity fields: it needs parseId`);
  (KIND_TABLE as unknown as Record<string, KindInfo>)[info.kind] = info as unknown as KindInfo;
  (KINDS as KindInfo[]).push(info as unknown as KindInfo);
  (COLLECTIONS as Collection[]).push(info.collection as Collection);
  KIND_INDEX.set(info.kind, KINDS.length - 1);
  for (const listener of kindListeners) listener();
}

const kindListeners: (() => void)[] = [];

/** Calls `listener` whenever a kind is defined (the validator recompiles the batch schema, whose kinds come from here). */
export function onKindDefined(listener: () => void): void {
  kindListeners.push(listener);
}

/** Looks up a kind's facts. */
export function kindInfo<K extends Kind>(kind: K): KindInfo<K> {
  const info = KIND_TABLE[kind] as KindInfo<K> | undefined;
  if (!info || !Object.hasOwn(KIND_TABLE, kind)) throw new TypeError(`unknown kind ${String(kind)}`);
  return info;
}

/** True when `value` names a kind. */
export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && KIND_INDEX.has(value);
}

/** A kind's place in dependency order (0 for the first kind). */
export function kindIndex(kind: Kind): number {
  return KIND_INDEX.get(kind)!;
}

/** The top-level fields a kind's identity is made of (see KindInfo.identityFields). */
export function identityFields(kind: Kind): readonly string[] {
  return kindInfo(kind).identityFields ?? ['name'];
}

/**
 * The identity fields of the resource `id` names (see KindInfo.parseId),
 * or undefined when `id` cannot name a resource of this kind.
 */
export function identityOf(kind: Kind, id: string): Readonly<Record<string, string>> | undefined {
  const info = kindInfo(kind);
  if (info.parseId) return info.parseId(id);
  return id.length > 0 ? { [identityFields(kind)[0]!]: id } : undefined;
}

/** A sentence documenting a kind's identity: `Identity of the API: group/name. ...`. */
export function idDescription(kind: Kind): string {
  const info = kindInfo(kind);
  return `Identity of the ${info.label}: ${info.idForm ?? 'its name'}.`;
}

/** True when the gateway issues resources of this kind credentials (AppKey, AppSecret, AppCode). */
export function hasCredentials(kind: Kind): boolean {
  return kindInfo(kind).credentials === true;
}

/** What messages call a resource: `backend service users`, `api shop/getUser`. */
export function describeResource(kind: Kind, id: string): string {
  return `${kindInfo(kind).noun} ${id}`;
}

/** The identity of any resource within its kind. */
export function resourceId<K extends Kind>(kind: K, spec: KindSpecs[K]): string {
  return kindInfo(kind).id(spec);
}

/** What a resource names (see KindInfo.references). */
export function referencesOf<K extends Kind>(kind: K, spec: KindSpecs[K]): readonly Reference[] {
  return kindInfo(kind).references(spec);
}

/** The resources of one kind in a document. */
export function resourcesOf<K extends Kind>(doc: GatewayDocument, kind: K): KindSpecs[K][] {
  return doc[kindInfo(kind).collection] as unknown as KindSpecs[K][];
}

/** The number of resources a document declares, over every collection. */
export function resourceCount(doc: Pick<GatewayDocument, Collection>): number {
  let n = 0;
  for (const c of COLLECTIONS) n += (doc[c] as readonly unknown[]).length;
  return n;
}

/** The stages in their canonical order; a stage's index is its place here. */
export const STAGES: readonly Stage[] = ['TEST', 'PRE', 'RELEASE'];

const STAGE_INDEX = new Map<string, number>(STAGES.map((s, i) => [s, i]));

/** Stages in canonical order (TEST, PRE, RELEASE), duplicates removed. */
export function sortStages<T extends Stage>(stages: readonly T[]): T[] {
  return STAGES.filter((s) => stages.includes(s as T)) as T[];
}

/** Orders strings by UTF-16 code units, as canonical forms sort names. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stage's index in STAGES, or undefined for a string that is not a stage. */
export function stageIndex(stage: string): number | undefined {
  return STAGE_INDEX.get(stage);
}

/** Every HTTP method an API may answer (`ANY` answers all of these). */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** A method an API may answer. */
export type HttpMethod = (typeof HTTP_METHODS)[number];
