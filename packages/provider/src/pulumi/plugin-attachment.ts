import * as pulumi from '@pulumi/pulumi';
import type { PluginAttachment as PluginAttachmentSpec, Stage } from '@apigw/schema';
import { Api } from './api';
import { ApiGroup } from './api-group';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { Plugin } from './plugin';
import { isResourceOf, ownershipInputs, referenceInput, typeToken, TYPE_MODULE } from './resource-options';

/** Arguments of a PluginAttachment: the schema's PluginAttachment; `plugin`, `api` and `group` may be resources. */
export type PluginAttachmentArgs = ArgsOf<
  PluginAttachmentSpec,
  {
    /** The plugin (resource or name). */
    readonly plugin: pulumi.Input<string> | Plugin;
    /** The API (resource, or its `group/name`); exactly one of api and group. */
    readonly api?: pulumi.Input<string> | Api;
    /** The group (resource or name); exactly one of api and group. */
    readonly group?: pulumi.Input<string> | ApiGroup;
  }
> &
  OwnershipArgs;

/** Binds a plugin to an API or to every API of a group, in some stages. Its id is `plugin:group/name` or `plugin:group`. */
export class PluginAttachment extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('PluginAttachment');

  /** True when `obj` is a PluginAttachment (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is PluginAttachment {
    return isResourceOf(obj, PluginAttachment.TYPE);
  }

  declare readonly plugin: pulumi.Output<string>;
  declare readonly api: pulumi.Output<string | undefined>;
  declare readonly group: pulumi.Output<string | undefined>;
  declare readonly stages: pulumi.Output<Stage[]>;
  declare readonly description: pulumi.Output<string | undefined>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: PluginAttachmentArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, plugin, api, group, ...spec } = args;
    super(
      providerFor('pluginAttachment'),
      name,
      {
        ...spec,
        plugin: referenceInput(plugin, Plugin.isInstance, (p) => p.name),
        api: api === undefined ? undefined : referenceInput(api, Api.isInstance, (a) => a.ref),
        group: group === undefined ? undefined : referenceInput(group, ApiGroup.isInstance, (g) => g.name),
        description: spec.description,
        ...ownershipInputs(args),
      },
      opts,
      TYPE_MODULE,
      'PluginAttachment',
    );
  }
}
