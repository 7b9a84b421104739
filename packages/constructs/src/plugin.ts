import { Construct, type IConstruct } from 'constructs';
import { sortStages, type CorsInput, type IpControlInput, type JwtInput, type Stage, type TrafficControl } from '@apigw/schema';
import type { IApi } from './api';
import type { IApiGroup } from './api-group';
import type { IApp } from './app';
import { brand, findStack, foreignReference, hasBrand, listOf, registerResource, type CodedCheck, type RenderContext } from './private';

const PLUGIN_BRAND = Symbol.for('@apigw/constructs.Plugin');
const ATTACHMENT_BRAND = Symbol.for('@apigw/constructs.PluginAttachment');

/** An app named in a plugin's configuration: an app construct or an app's name. */
export type AppName = IApp | string;

/** Options of `Plugin.trafficControl()`: call limits per unit. */
export interface TrafficControlOptions {
  /** The window every limit counts in (fixed windows aligned to UTC). */
  readonly unit: TrafficControl['unit'];
  /**
   * Most calls of each API per unit and stage, from all callers together (anonymous ones included).
   *
   * @default unlimited
   */
  readonly apiDefault?: number;
  /**
   * Most calls of each API per unit and stage from one app.
   *
   * @default unlimited
   */
  readonly appDefault?: number;
  /**
   * Apps with a limit of their own instead of appDefault (0 refuses the app).
   *
   * @default none
   */
  readonly specials?: readonly { readonly app: AppName; readonly limit: number }[];
}

/** Options of `Plugin.ipControl()`: allow or deny lists of CIDR blocks. */
export interface IpControlOptions {
  /** ALLOW: only listed addresses may call; DENY: listed addresses may not. */
  readonly mode: IpControlInput['mode'];
  /**
   * CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`) or single addresses.
   *
   * @default none
   */
  readonly cidrs?: readonly string[];
  /**
   * Blocks of their own for named apps (with ALLOW the app may also call from them; with DENY it may not).
   *
   * @default none
   */
  readonly apps?: readonly { readonly app: AppName; readonly cidrs: readonly string[] }[];
}

/** Options of `Plugin.cors()`; every field but allowOrigins has the schema's default. */
export type CorsOptions = CorsInput;

/** Options of `Plugin.jwt()`; exactly one of jwks, publicKey and secret. */
export type JwtOptions = JwtInput;

/** A plugin's type and its configuration, as made by `Plugin.trafficControl()` and its siblings. */
export type PluginPolicy =
  | { readonly type: 'TRAFFIC_CONTROL'; readonly trafficControl: TrafficControlOptions }
  | { readonly type: 'IP_CONTROL'; readonly ipControl: IpControlOptions }
  | { readonly type: 'CORS'; readonly cors: CorsOptions }
  | { readonly type: 'JWT'; readonly jwt: JwtOptions };

/** A plugin, defined in this stack or imported. */
export interface IPlugin extends IConstruct {
  /** The plugin's name. */
  readonly pluginName: string;
  /**
   * Makes the plugin act on an API, or on every API of a group, in `stages`.
   * Attaching to the same target again adds the stages.
   *
   * @returns the attachment
   */
  attach(target: IApi | IApiGroup, stages: readonly Stage[]): PluginAttachment;
}

/** Properties of a Plugin. */
export interface PluginProps {
  /**
   * Name of the plugin: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly pluginName?: string;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
  /** What the plugin does: `Plugin.trafficControl({...})`, `Plugin.ipControl({...})`, `Plugin.cors({...})` or `Plugin.jwt({...})`. */
  readonly policy: PluginPolicy;
}

/**
 * A named traffic policy (throttling, IP access control, CORS or JWT). It
 * acts where it is attached: `plugin.attach(api | group, stages)`. At most
 * one plugin of each type applies to a call; an API's own beats its group's.
 *
 * ```ts
 * const limits = new Plugin(stack, 'limits', {
 *   policy: Plugin.trafficControl({ unit: 'MINUTE', apiDefault: 600, appDefault: 60 }),
 * });
 * limits.attach(getUser, ['RELEASE']);
 * ```
 */
export class Plugin extends Construct implements IPlugin {
  /** True for a Plugin defined in a stack (not an import), even from another copy of this package. */
  static isPlugin(x: unknown): x is Plugin {
    return hasBrand(x, PLUGIN_BRAND);
  }

  /** Refers to a plugin that exists outside this stack; the document lists it under `imports`. */
  static fromPluginName(scope: Construct, id: string, pluginName: string): IPlugin {
    return new ImportedPlugin(scope, id, pluginName);
  }

  /** Call limits per unit for each API, each app, and named apps. */
  static trafficControl(options: TrafficControlOptions): PluginPolicy {
    return { type: 'TRAFFIC_CONTROL', trafficControl: options };
  }

  /** Allow or deny lists of IPv4 and IPv6 CIDR blocks. */
  static ipControl(options: IpControlOptions): PluginPolicy {
    return { type: 'IP_CONTROL', ipControl: options };
  }

  /** Which browser origins may call, with preflights answered by the gateway. */
  static cors(options: CorsOptions): PluginPolicy {
    return { type: 'CORS', cors: options };
  }

  /** A bearer JWT every call must carry. */
  static jwt(options: JwtOptions): PluginPolicy {
    return { type: 'JWT', jwt: options };
  }

  readonly pluginName: string;
  /** The plugin's type. */
  readonly type: PluginPolicy['type'];
  private readonly description?: string;
  private readonly policy: PluginPolicy;

  constructor(scope: Construct, id: string, props: PluginProps) {
    super(scope, id);
    findStack(this);
    brand(this, PLUGIN_BRAND);
    this.pluginName = props.pluginName ?? id;
    this.description = props.description;
    this.policy = props.policy;
    this.type = props.policy.type;
    registerResource(this, {
      kind: 'plugin',
      imported: false,
      identity: this.pluginName,
      render: () => ({ name: this.pluginName, description: this.description, ...renderPolicy(this.policy) }),
      checks: () => [],
    });
  }

  attach(target: IApi | IApiGroup, stages: readonly Stage[]): PluginAttachment {
    return attach(this, target, stages);
  }
}

function appNameOf(app: AppName): string {
  return typeof app === 'string' ? app : app.appName;
}

function renderPolicy(policy: PluginPolicy): Record<string, unknown> {
  switch (policy.type) {
    case 'TRAFFIC_CONTROL': {
      const { specials, ...rest } = policy.trafficControl;
      return {
        type: policy.type,
        trafficControl: { ...rest, ...(specials === undefined ? {} : { specials: specials.map((s) => ({ app: appNameOf(s.app), limit: s.limit })) }) },
      };
    }
    case 'IP_CONTROL': {
      const { apps, cidrs, ...rest } = policy.ipControl;
      return {
        type: policy.type,
        ipControl: {
          ...rest,
          ...(cidrs === undefined ? {} : { cidrs: [...cidrs] }),
          ...(apps === undefined ? {} : { apps: apps.map((a) => ({ app: appNameOf(a.app), cidrs: [...a.cidrs] })) }),
        },
      };
    }
    case 'CORS':
      return { type: policy.type, cors: structuredClone(policy.cors) };
    case 'JWT':
      return { type: policy.type, jwt: structuredClone(policy.jwt) };
  }
}

class ImportedPlugin extends Construct implements IPlugin {
  constructor(
    scope: Construct,
    id: string,
    readonly pluginName: string,
  ) {
    super(scope, id);
    findStack(this);
    registerResource(this, { kind: 'plugin', imported: true, identity: pluginName, render: () => ({}), checks: () => [] });
  }

  attach(target: IApi | IApiGroup, stages: readonly Stage[]): PluginAttachment {
    return attach(this, target, stages);
  }
}

/** Properties of a PluginAttachment. */
export interface PluginAttachmentProps {
  /** The plugin that acts. */
  readonly plugin: IPlugin;
  /** The API it acts on, or the group on every API of which it acts. */
  readonly target: IApi | IApiGroup;
  /** Stages it acts in. */
  readonly stages: readonly Stage[];
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
}

function isApi(target: IApi | IApiGroup): target is IApi {
  return typeof (target as IApi).apiRef === 'string';
}

/**
 * Binds a plugin to an API or a group in some stages; usually made with
 * `plugin.attach()` or `api.addPlugin()`. Identified by plugin and target.
 */
export class PluginAttachment extends Construct {
  /** True for a PluginAttachment, even from another copy of this package. */
  static isPluginAttachment(x: unknown): x is PluginAttachment {
    return hasBrand(x, ATTACHMENT_BRAND);
  }

  readonly plugin: IPlugin;
  readonly target: IApi | IApiGroup;
  private readonly attached: Set<Stage>;
  private readonly description?: string;

  constructor(scope: Construct, id: string, props: PluginAttachmentProps) {
    super(scope, id);
    findStack(this);
    brand(this, ATTACHMENT_BRAND);
    this.plugin = props.plugin;
    this.target = props.target;
    this.attached = new Set(listOf(props.stages));
    this.description = props.description;
    registerResource(this, {
      kind: 'pluginAttachment',
      imported: false,
      identity: `${this.plugin.pluginName}:${this.targetRef}`,
      render: (ctx) => this.render(ctx),
      checks: () => this.checks(),
    });
  }

  /** `group/api` for an API, the group's name for a group. */
  get targetRef(): string {
    return isApi(this.target) ? this.target.apiRef : this.target.groupName;
  }

  /** The stages, in stage order. */
  get stages(): Stage[] {
    return sortStages([...this.attached]);
  }

  /** Attaches in more stages. @returns this attachment, for chaining */
  addStages(...stages: Stage[]): this {
    for (const stage of stages) this.attached.add(stage);
    return this;
  }

  private render(ctx: RenderContext): Record<string, unknown> {
    const target = this.target;
    return {
      plugin: ctx.ref('plugin', this.plugin, this.plugin.pluginName),
      ...(isApi(target) ? { api: ctx.ref('api', target, target.apiRef) } : { group: ctx.ref('group', target, target.groupName) }),
      stages: this.stages,
      description: this.description,
    };
  }

  private checks(): CodedCheck[] {
    const target = this.target;
    return [
      ...foreignReference(this, this.plugin, '/plugin', `plugin ${this.plugin.pluginName}`),
      ...(isApi(target)
        ? foreignReference(this, target, '/api', `api ${target.apiRef}`)
        : foreignReference(this, target, '/group', `group ${target.groupName}`)),
    ];
  }
}

/**
 * One PluginAttachment per plugin and target, a child of the plugin named
 * after the target (`shop.getUser`, `shop`); attaching again adds stages.
 */
export function attach(plugin: IPlugin, target: IApi | IApiGroup, stages: readonly Stage[]): PluginAttachment {
  const id = isApi(target) ? target.apiRef.replace('/', '.') : target.groupName;
  const existing = plugin.node.tryFindChild(id);
  if (PluginAttachment.isPluginAttachment(existing)) return existing.addStages(...stages);
  return new PluginAttachment(plugin, id, { plugin, target, stages });
}

