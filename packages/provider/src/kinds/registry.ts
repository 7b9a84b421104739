/**
 * The handler of every kind, in one table: the one place a kind's handler is
 * registered, read by the planner, the Pulumi resources and the Terraform
 * plugin.
 */
import { KINDS, type Kind } from '@apigw/schema';
import { ApiResourceHandler } from './api-handler';
import { AuthorizationHandler } from './authorization-handler';
import { BackendServiceHandler } from './backend-service-handler';
import { BaseHandler } from './handler-base';
import { PluginHandler } from './plugin-handler';
import type { ApiHandler, ResourceHandler } from './resource-handler';

/** The handler of every kind, by kind. */
export interface Handlers {
  readonly vpcAccess: ResourceHandler<'vpcAccess'>;
  readonly backendService: ResourceHandler<'backendService'>;
  readonly group: ResourceHandler<'group'>;
  readonly api: ApiHandler;
  readonly app: ResourceHandler<'app'>;
  readonly authorization: ResourceHandler<'authorization'>;
  readonly plugin: ResourceHandler<'plugin'>;
  readonly pluginAttachment: ResourceHandler<'pluginAttachment'>;
}

/** One handler per kind; the reconciler, Pulumi and Terraform share them. */
export const HANDLERS: Handlers = {
  vpcAccess: new BaseHandler('vpcAccess'),
  backendService: new BackendServiceHandler(),
  group: new BaseHandler('group'),
  api: new ApiResourceHandler(),
  app: new BaseHandler('app'),
  authorization: new AuthorizationHandler(),
  plugin: new PluginHandler(),
  pluginAttachment: new BaseHandler('pluginAttachment'),
};

const registered = new Map<Kind, ResourceHandler<Kind>>(Object.entries(HANDLERS) as [Kind, ResourceHandler<Kind>][]);

/** Plain handlers made for kinds defined with defineKind and given no handler of their own. */
const defaults = new Map<Kind, ResourceHandler<Kind>>();

/**
 * The handler of one kind. A kind defined with defineKind that was given no
 * handler (registerHandler) is planned by a plain BaseHandler: its identity,
 * replace-only and secret fields all come from its facts, so a kind with no
 * behaviour of its own takes its defineKind call and nothing else.
 */
export function handlerFor<K extends Kind>(kind: K): ResourceHandler<K> {
  const handler = registered.get(kind) ?? defaults.get(kind) ?? defaultHandler(kind);
  return handler as unknown as ResourceHandler<K>;
}

function defaultHandler(kind: Kind): ResourceHandler<Kind> {
  if (!KINDS.some((k) => k.kind === kind)) throw new TypeError(`no handler for kind ${String(kind)}: it is not a defined kind`);
  const handler = new BaseHandler(kind) as unknown as ResourceHandler<Kind>;
  defaults.set(kind, handler);
  return handler;
}

/**
 * Registers the handler of a kind defined with defineKind (@apigw/schema),
 * for a kind with behaviour a plain BaseHandler does not have (compare,
 * steps, write-only fields). Kinds may be defined, and handlers registered,
 * before or after this module loads; a kind's handler is registered once.
 */
export function registerHandler<K extends Kind>(handler: ResourceHandler<K>): void {
  if (registered.has(handler.kind)) throw new TypeError(`kind ${String(handler.kind)} already has a handler`);
  registered.set(handler.kind, handler as unknown as ResourceHandler<Kind>);
  defaults.delete(handler.kind);
}

/** Every handler in dependency order (`KINDS`, as defined when called): create and update top-down, delete bottom-up. */
export function handlersInOrder(): ResourceHandler<Kind>[] {
  return KINDS.map(({ kind }) => handlerFor(kind) as unknown as ResourceHandler<Kind>);
}
