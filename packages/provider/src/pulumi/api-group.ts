/**
 * The Pulumi resource of an API group: its arguments and the dynamic
 * resource that manages it through the shared lifecycle.
 */
import * as pulumi from '@pulumi/pulumi';
import type { ApiGroup as ApiGroupSpec, ApiGroupInput } from '@apigw/schema';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, typeToken, TYPE_MODULE } from './resource-options';

/** Arguments of an ApiGroup: the schema's ApiGroupInput, every field an input. */
export type ApiGroupArgs = ArgsOf<ApiGroupInput> & OwnershipArgs;

/**
 * A group of APIs served under a base path on the group's domains.
 * Certificates' private keys are secrets: the `certificates` input is a
 * Pulumi secret (encrypted in the state), and the `certificates` output,
 * also a secret, never holds a private key.
 */
export class ApiGroup extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('ApiGroup');

  /** True when `obj` is an ApiGroup (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is ApiGroup {
    return isResourceOf(obj, ApiGroup.TYPE);
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly basePath: pulumi.Output<string>;
  declare readonly domains: pulumi.Output<string[]>;
  declare readonly certificates: pulumi.Output<Omit<ApiGroupSpec['certificates'][number], 'privateKeyPem'>[]>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: ApiGroupArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, ...spec } = args;
    super(
      providerFor('group'),
      name,
      {
        ...spec,
        description: spec.description,
        basePath: spec.basePath,
        domains: spec.domains,
        // The private keys are inputs too, and Pulumi stores inputs in the state: as a secret they are stored encrypted.
        certificates: spec.certificates === undefined ? undefined : pulumi.secret(spec.certificates),
        ...ownershipInputs(args),
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ['certificates'] }),
      TYPE_MODULE,
      'ApiGroup',
    );
  }
}
