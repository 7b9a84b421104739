/**
 * Where each kind of resource lives in the admin API. One table, used by
 * the admin API's routes and by the HTTP client, so the two cannot drift.
 */
import type { Kind } from '@apigw/schema';

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

const one: Pick<ResourcePath, 'params' | 'segments' | 'id' | 'identity'> = {
  params: ['name'],
  segments: (id) => (id.length > 0 && !id.includes('/') ? [id] : undefined),
  id: ([name]) => name!,
  identity: ([name]) => ({ name: name! }),
};

/** The admin API path of every kind. */
export const RESOURCE_PATHS: Readonly<Record<Kind, ResourcePath>> = {
  vpcAccess: { kind: 'vpcAccess', collection: '/v1/vpc-accesses', ...one },
  backendService: { kind: 'backendService', collection: '/v1/backend-services', ...one },
  group: { kind: 'group', collection: '/v1/groups', ...one },
  api: {
    kind: 'api',
    collection: '/v1/apis',
    params: ['group', 'name'],
    segments: (id) => {
      const parts = id.split('/');
      return parts.length === 2 && parts.every((p) => p.length > 0) ? parts : undefined;
    },
    id: ([group, name]) => `${group}/${name}`,
    identity: ([group, name]) => ({ group: group!, name: name! }),
  },
  app: { kind: 'app', collection: '/v1/apps', ...one },
  authorization: {
    kind: 'authorization',
    collection: '/v1/authorizations',
    params: ['app', 'group', 'api'],
    segments: (id) => {
      const colon = id.indexOf(':');
      if (colon <= 0) return undefined;
      const rest = id.slice(colon + 1).split('/');
      return rest.length === 2 && rest.every((p) => p.length > 0) ? [id.slice(0, colon), ...rest] : undefined;
    },
    id: ([app, group, api]) => `${app}:${group}/${api}`,
    identity: ([app, group, api]) => ({ app: app!, api: `${group}/${api}` }),
  },
  plugin: { kind: 'plugin', collection: '/v1/plugins', ...one },
  pluginAttachment: {
    kind: 'pluginAttachment',
    collection: '/v1/plugin-attachments',
    // The target (`group/name` of an API, or a group's name) is one segment, its slash percent-encoded.
    params: ['plugin', 'target'],
    segments: (id) => {
      const colon = id.indexOf(':');
      if (colon <= 0 || colon === id.length - 1) return undefined;
      const target = id.slice(colon + 1);
      const parts = target.split('/');
      return parts.length <= 2 && parts.every((p) => p.length > 0) ? [id.slice(0, colon), target] : undefined;
    },
    id: ([plugin, target]) => `${plugin}:${target}`,
    // The target names an API (`group/name`) or a group.
    identity: ([plugin, target]) => ({ plugin: plugin!, [target!.includes('/') ? 'api' : 'group']: target! }),
  },
};

/** The admin API path of one resource, or undefined when the id cannot name one of its kind. */
export function resourcePath(kind: Kind, id: string): string | undefined {
  const p = RESOURCE_PATHS[kind] as ResourcePath | undefined;
  if (!p) return undefined;
  const segments = p.segments(id);
  return segments ? `${p.collection}/${segments.map(encodeURIComponent).join('/')}` : undefined;
}
