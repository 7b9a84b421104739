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

/** The handler of one kind. */
export function handlerFor<K extends Kind>(kind: K): ResourceHandler<K> {
  const handler = registered.get(kind);
  if (!handler) throw new TypeError(`no handler for kind ${String(kind)}`);
  return handler as unknown as ResourceHandler<K>;
}

/**
 * Registers the handler of a kind defined with defineKind (@apigw/schema):
 * from then on the planner, export and the IaC adapters plan it like any
 * other kind. A plain BaseHandler suits a kind with no behaviour of its own.
 */
export function registerHandler<K extends Kind>(handler: ResourceHandler<K>): void {
  if (registered.has(handler.kind)) throw new TypeError(`kind ${String(handler.kind)} already has a handler`);
  registered.set(handler.kind, handler as unknown as ResourceHandler<Kind>);
}

/** Every handler in dependency order (`KINDS`): create and update top-down, delete bottom-up. */
export const HANDLERS_IN_ORDER: readonly ResourceHandler<Kind>[] = KINDS.map(({ kind }) => handlerFor(kind) as unknown as ResourceHandler<Kind>);
