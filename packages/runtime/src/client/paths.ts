/**
 * Where each kind of resource lives in the admin API. One table, used by
 * the admin API's routes and by the HTTP client, so the two cannot drift.
 * It is made from the kind registry: a kind's collection path is its
 * collection in kebab case (`vpcAccesses` -> `/v1/vpc-accesses`), and its
 * id is one path segment per identity field (`/v1/apis/shop/getUser`), so
 * a kind added with defineKind has its endpoints with no edit here.
 */
import { KINDS, identityFields, identityOf, isKind, kindInfo, type Kind, type KindSpecs } from '@apigw/schema';

/** Response header of a state read naming the store it came from (see GatewayStore.id). */
export const STORE_HEADER = 'x-apigw-store';

/** How one kind's resources are addressed. */
export interface ResourcePath {
  readonly kind: Kind;
  /** Collection path (`/v1/groups`). */
  readonly collection: string;
  /** Names of the path segments after the collection that make up the id. */
  readonly params: readonly string[];
  /** The id's path segments (`shop/getUser` -> ['shop', 'getUser']); undefined when the id has the wrong shape. */
  readonly segments: (id: string) => readonly string[] | undefined;
  /** The id from its path segments. */
  readonly id: (segments: readonly string[]) => string;
  /** The spec fields the path segments fix (a PUT body must agree with them). */
  readonly identity: (segments: readonly string[]) => Readonly<Record<string, string>>;
}

/** How a resource's id is spelled in the path after its collection. */
type Address = Pick<ResourcePath, 'params' | 'segments' | 'id' | 'identity'>;

/**
 * The addresses whose shape is not one segment per identity field, kept as
 * published: an authorization's API spans two segments
 * (`/v1/authorizations/mobile/shop/getUser`), a plugin attachment's target
 * is one (`/v1/plugin-attachments/cors/shop%2FgetUser`).
 */
const PUBLISHED_ADDRESSES: Partial<Record<Kind, Address>> = {
  authorization: {
    params: ['app', 'group', 'api'],
    segments: (id) => {
      const fields = identityOf('authorization', id);
      return fields ? [fields['app']!, ...fields['api']!.split('/')] : undefined;
    },
    id: ([app, group, api]) => `${app}:${group}/${api}`,
    identity: ([app, group, api]) => ({ app: app!, api: `${group}/${api}` }),
  },
  pluginAttachment: {
    params: ['plugin', 'target'],
    segments: (id) => {
      const fields = identityOf('pluginAttachment', id);
      return fields ? [fields['plugin']!, (fields['api'] ?? fields['group'])!] : undefined;
    },
    id: ([plugin, target]) => `${plugin}:${target}`,
    // The target names an API (`group/name`) or a group.
    identity: ([plugin, target]) => ({ plugin: plugin!, [target!.includes('/') ? 'api' : 'group']: target! }),
  },
};

/** One path segment per identity field, in the registry's order; the id is the kind's own (KindInfo.id / parseId). */
function derivedAddress(kind: Kind): Address {
  const fields = identityFields(kind);
  const identity = (segments: readonly string[]) => Object.fromEntries(fields.map((f, i) => [f, segments[i]!]));
  return {
    params: fields,
    segments: (id) => {
      const parsed = identityOf(kind, id);
      const segments = parsed ? fields.map((f) => parsed[f] ?? '') : [];
      return parsed && segments.every((p) => p.length > 0 && !p.includes('/')) ? segments : undefined;
    },
    id: (segments) => kindInfo(kind).id(identity(segments) as unknown as KindSpecs[Kind]),
    identity,
  };
}

/** `vpcAccesses` -> `vpc-accesses`. */
function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const paths = new Map<Kind, ResourcePath>();

/** The path of one kind, made on first use (a kind defined later has one too). */
function pathOf(kind: Kind): ResourcePath {
  let path = paths.get(kind);
  if (!path) {
    const collection = `/v1/${kebabCase(kindInfo(kind).collection)}`;
    path = { kind, collection, ...(PUBLISHED_ADDRESSES[kind] ?? derivedAddress(kind)) };
    paths.set(kind, path);
  }
  return path;
}

/** The admin API path of every kind defined so far (read through; kinds defined with defineKind included). */
export const RESOURCE_PATHS: Readonly<Record<Kind, ResourcePath>> = new Proxy({} as Record<Kind, ResourcePath>, {
  get: (_, key) => (isKind(key) ? pathOf(key) : undefined),
  has: (_, key) => isKind(key),
  ownKeys: () => KINDS.map((k) => k.kind),
  getOwnPropertyDescriptor: (_, key) => (isKind(key) ? { value: pathOf(key), enumerable: true, configurable: true, writable: false } : undefined),
});

/** The admin API path of one resource, or undefined when the id cannot name one of its kind. */
export function resourcePath(kind: Kind, id: string): string | undefined {
  const p = RESOURCE_PATHS[kind] as ResourcePath | undefined;
  if (!p) return undefined;
  const segments = p.segments(id);
  return segments ? `${p.collection}/${segments.map(encodeURIComponent).join('/')}` : undefined;
}
