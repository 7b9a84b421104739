import * as pulumi from '@pulumi/pulumi';
import type { Plugin as PluginSpec, PluginInput } from '@apigw/schema';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, typeToken, TYPE_MODULE } from './resource-options';

/** Arguments of a Plugin: the schema's PluginInput, every field an input. */
export type PluginArgs = ArgsOf<PluginInput> & OwnershipArgs;

/**
 * A named traffic policy (TRAFFIC_CONTROL, IP_CONTROL, CORS or JWT) that
 * acts where PluginAttachments bind it. A JWT plugin's HMAC `secret` is a
 * secret: the `jwt` input is a Pulumi secret (encrypted in the state), and
 * the `jwt` output, also a secret, never holds it.
 */
export class Plugin extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('Plugin');

  /** True when `obj` is a Plugin (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is Plugin {
    return isResourceOf(obj, Plugin.TYPE);
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly type: pulumi.Output<PluginSpec['type']>;
  declare readonly trafficControl: pulumi.Output<PluginSpec['trafficControl']>;
  declare readonly ipControl: pulumi.Output<PluginSpec['ipControl']>;
  declare readonly cors: pulumi.Output<PluginSpec['cors']>;
  declare readonly jwt: pulumi.Output<Omit<NonNullable<PluginSpec['jwt']>, 'secret'> | undefined>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: PluginArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, ...spec } = args;
    super(
      providerFor('plugin'),
      name,
      {
        ...spec,
        description: spec.description,
        trafficControl: spec.trafficControl,
        ipControl: spec.ipControl,
        cors: spec.cors,
        // An HMAC secret is an input too, and Pulumi stores inputs in the state: as a secret it is stored encrypted.
        jwt: spec.jwt === undefined ? undefined : pulumi.secret(spec.jwt),
        ...ownershipInputs(args),
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ['jwt'] }),
      TYPE_MODULE,
      'Plugin',
    );
  }
}
