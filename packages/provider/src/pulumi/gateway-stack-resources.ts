/**
 * GatewayStackResources: a Pulumi component that turns a GatewayStack of
 * @apigw/constructs into one Pulumi resource per document resource, with
 * references between them as Pulumi resource references.
 */
import * as pulumi from '@pulumi/pulumi';
import { GatewayStack } from '@apigw/constructs';
import { apiId, authorizationId, pluginAttachmentId, type GatewayDocument } from '@apigw/schema';
import { Api } from './api';
import { ApiGroup } from './api-group';
import { App } from './app';
import { Authorization } from './authorization';
import { Plugin } from './plugin';
import { PluginAttachment } from './plugin-attachment';
import { BackendService, type BackendEnvironmentArgs } from './backend-service';
import { VpcAccess } from './vpc-access';

/** Arguments of a GatewayStackResources component. */
export interface GatewayStackResourcesArgs {
  /** The construct stack whose synthesized document the component creates. */
  readonly stack: GatewayStack;
  /**
   * The apigw stack that owns the resources.
   *
   * @default the GatewayStack's stackName (the document's `stack`), as the CLI uses
   */
  readonly owner?: pulumi.Input<string>;
  /**
   * Take over resources that already exist on the gateway instead of failing.
   *
   * @default false
   */
  readonly adopt?: boolean;
}

/**
 * The Pulumi resources of a `GatewayStack` of `@apigw/constructs`: the
 * stack is synthesized (validated, defaults filled) and every resource of
 * the document becomes the matching Pulumi resource, children of this
 * component. References between them are resource references, so Pulumi
 * creates a VPC access before the backend service that uses it, a group
 * and a backend service before their APIs, and an app and an API before
 * the authorization that binds them; resources the document imports stay
 * plain names. One construct program thus serves `apigw apply`, Pulumi and
 * CDKTF alike.
 */
export class GatewayStackResources extends pulumi.ComponentResource {
  /** The Pulumi type token of the component. */
  static readonly TYPE = 'apigw:index:GatewayStackResources';

  /** The synthesized document the resources come from. */
  readonly document: GatewayDocument;
  /** VPC accesses by name. */
  readonly vpcAccesses: Readonly<Record<string, VpcAccess>>;
  /** Backend services by name. */
  readonly backendServices: Readonly<Record<string, BackendService>>;
  /** Groups by name. */
  readonly groups: Readonly<Record<string, ApiGroup>>;
  /** APIs by `group/name`. */
  readonly apis: Readonly<Record<string, Api>>;
  /** Apps by name. */
  readonly apps: Readonly<Record<string, App>>;
  /** Authorizations by `app:group/name`. */
  readonly authorizations: Readonly<Record<string, Authorization>>;
  /** Plugins by name. */
  readonly plugins: Readonly<Record<string, Plugin>>;
  /** Plugin attachments by `plugin:group/name` or `plugin:group`. */
  readonly pluginAttachments: Readonly<Record<string, PluginAttachment>>;

  constructor(name: string, args: GatewayStackResourcesArgs, opts?: pulumi.ComponentResourceOptions) {
    // Synthesize first: a stack that does not synthesize registers nothing.
    if (!GatewayStack.isGatewayStack(args.stack)) throw new TypeError(`GatewayStackResources ${name}: stack must be a GatewayStack of @apigw/constructs`);
    const doc = args.stack.synth();
    super(GatewayStackResources.TYPE, name, {}, opts);
    this.document = doc;
    const owner = args.owner ?? doc.stack;
    const common = { stack: owner, ...(args.adopt ? { adopt: true } : {}) };
    const child = (id: string): string => `${name}-${id}`;
    const parent: pulumi.CustomResourceOptions = { parent: this };

    const vpcAccesses: Record<string, VpcAccess> = {};
    for (const v of doc.vpcAccesses) vpcAccesses[v.name] = new VpcAccess(child(v.name), { ...v, ...common }, parent);

    const backendServices: Record<string, BackendService> = {};
    for (const b of doc.backendServices) {
      const environments: Record<string, BackendEnvironmentArgs> = {};
      for (const [stage, env] of Object.entries(b.environments)) {
        if (!env) continue;
        const vpc = env.vpcAccess === undefined ? undefined : (vpcAccesses[env.vpcAccess] ?? env.vpcAccess);
        environments[stage] = vpc === undefined ? env : { ...env, vpcAccess: vpc };
      }
      backendServices[b.name] = new BackendService(child(b.name), { ...b, environments, ...common }, parent);
    }

    const groups: Record<string, ApiGroup> = {};
    for (const g of doc.groups) groups[g.name] = new ApiGroup(child(g.name), { ...g, ...common }, parent);

    const apis: Record<string, Api> = {};
    for (const a of doc.apis) {
      const id = apiId(a);
      apis[id] = new Api(
        child(id),
        { ...a, group: groups[a.group] ?? a.group, backend: { ...a.backend, service: backendServices[a.backend.service] ?? a.backend.service }, ...common },
        parent,
      );
    }

    const apps: Record<string, App> = {};
    for (const a of doc.apps) apps[a.name] = new App(child(a.name), { ...a, ...common }, parent);

    const authorizations: Record<string, Authorization> = {};
    for (const a of doc.authorizations) {
      const id = authorizationId(a);
      authorizations[id] = new Authorization(child(id), { ...a, app: apps[a.app] ?? a.app, api: apis[a.api] ?? a.api, ...common }, parent);
    }

    const plugins: Record<string, Plugin> = {};
    for (const p of doc.plugins) plugins[p.name] = new Plugin(child(p.name), { ...p, ...common }, parent);

    const pluginAttachments: Record<string, PluginAttachment> = {};
    for (const a of doc.pluginAttachments) {
      const id = pluginAttachmentId(a);
      const target = a.api !== undefined ? { api: apis[a.api] ?? a.api } : { group: groups[a.group!] ?? a.group! };
      pluginAttachments[id] = new PluginAttachment(child(id), { ...a, plugin: plugins[a.plugin] ?? a.plugin, ...target, ...common }, parent);
    }

    this.vpcAccesses = vpcAccesses;
    this.backendServices = backendServices;
    this.groups = groups;
    this.apis = apis;
    this.apps = apps;
    this.authorizations = authorizations;
    this.plugins = plugins;
    this.pluginAttachments = pluginAttachments;
    this.registerOutputs({ stack: doc.stack });
  }
}
