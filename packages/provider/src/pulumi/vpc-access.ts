/**
 * The Pulumi resource of a VPC access: an instance and port in a VPC that
 * backend services may reach.
 */
import * as pulumi from '@pulumi/pulumi';
import type { VpcAccess as VpcAccessSpec } from '@apigw/schema';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, typeToken, TYPE_MODULE } from './resource-options';

/** Arguments of a VpcAccess: the schema's VpcAccess, every field an input. */
export type VpcAccessArgs = ArgsOf<VpcAccessSpec> & OwnershipArgs;

/**
 * Authorizes the gateway to reach one port of one instance in a VPC.
 * Every field but the description is part of the key: changing one
 * replaces the VPC access (the old one is deleted first).
 */
export class VpcAccess extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('VpcAccess');

  /** True when `obj` is a VpcAccess (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is VpcAccess {
    return isResourceOf(obj, VpcAccess.TYPE);
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly vpcId: pulumi.Output<string>;
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;
  declare readonly host: pulumi.Output<string | undefined>;
  declare readonly description: pulumi.Output<string | undefined>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: VpcAccessArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, ...spec } = args;
    super(providerFor('vpcAccess'), name, { ...spec, ...ownershipInputs(args), host: spec.host, description: spec.description }, opts, TYPE_MODULE, 'VpcAccess');
  }
}
