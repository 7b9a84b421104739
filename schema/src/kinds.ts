import type { Api, ApiGroup, App, Authorization, BackendService, GatewayDocument, Stage, VpcAccess } from './document.generated';

/** The spec type of each kind of resource. */
export interface KindSpecs {
  vpcAccess: VpcAccess;
  backendService: BackendService;
  group: ApiGroup;
  api: Api;
  app: App;
  authorization: Authorization;
}

/** A kind of resource the document declares. */
export type Kind = keyof KindSpecs;

/** The spec of any resource. */
export type AnySpec = KindSpecs[Kind];

/** How one kind appears in the document and the schema. */
export interface KindInfo<K extends Kind = Kind> {
  readonly kind: K;
  /** The document's array that lists resources of this kind. */
  readonly collection: CollectionOf<K>;
  /** The schema definition (`#/$defs/...`) of one resource. */
  readonly definition: string;
  /** What people call it in messages. */
  readonly label: string;
}

type CollectionOf<K extends Kind> = {
  vpcAccess: 'vpcAccesses';
  backendService: 'backendServices';
  group: 'groups';
  api: 'apis';
  app: 'apps';
  authorization: 'authorizations';
}[K];

/**
 * Every kind, in dependency order: a resource may refer only to kinds
 * before it. Create and update run top-down, delete bottom-up.
 */
export const KINDS: readonly KindInfo[] = [
  { kind: 'vpcAccess', collection: 'vpcAccesses', definition: 'VpcAccess', label: 'VPC access' },
  { kind: 'backendService', collection: 'backendServices', definition: 'BackendService', label: 'backend service' },
  { kind: 'group', collection: 'groups', definition: 'ApiGroup', label: 'group' },
  { kind: 'api', collection: 'apis', definition: 'Api', label: 'API' },
  { kind: 'app', collection: 'apps', definition: 'App', label: 'app' },
  { kind: 'authorization', collection: 'authorizations', definition: 'Authorization', label: 'authorization' },
];

/** Looks up a kind's table row. */
export function kindInfo<K extends Kind>(kind: K): KindInfo<K> {
  const info = KINDS.find((k) => k.kind === kind);
  if (!info) throw new TypeError(`unknown kind ${String(kind)}`);
  return info as KindInfo<K>;
}

/** The stages in their canonical order. */
export const STAGES: readonly Stage[] = ['TEST', 'PRE', 'RELEASE'];

/** An API's identity: `group/name`. */
export function apiId(api: { group: string; name: string }): string {
  return `${api.group}/${api.name}`;
}

/** An authorization's identity: the app and the API (`app:group/name`). */
export function authorizationId(a: { app: string; api: string }): string {
  return `${a.app}:${a.api}`;
}

/** The identity of any resource within its kind. */
export function resourceId<K extends Kind>(kind: K, spec: KindSpecs[K]): string {
  if (kind === 'api') return apiId(spec as Api);
  if (kind === 'authorization') return authorizationId(spec as Authorization);
  return (spec as { name: string }).name;
}

/** The resources of one kind in a document. */
export function resourcesOf<K extends Kind>(doc: GatewayDocument, kind: K): KindSpecs[K][] {
  return doc[kindInfo(kind).collection] as KindSpecs[K][];
}
