/**
 * The Pulumi resource of a backend service: its arguments (one definition
 * per environment, a VPC access given by name or as the resource) and the
 * dynamic resource that manages it.
 */
import * as pulumi from '@pulumi/pulumi';
import type { BackendEnvironmentInput, BackendService as BackendServiceSpec, BackendServiceInput, Stage } from '@apigw/schema';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, referenceInput, typeToken, TYPE_MODULE } from './resource-options';
import { VpcAccess } from './vpc-access';

/** One environment's definition; `vpcAccess` may be the VpcAccess resource itself. */
export type BackendEnvironmentArgs = ArgsOf<BackendEnvironmentInput, { readonly vpcAccess?: pulumi.Input<string> | VpcAccess }>;

/** Arguments of a BackendService: the schema's BackendServiceInput, every field an input. */
export type BackendServiceArgs = ArgsOf<
  BackendServiceInput,
  {
    /**
     * One definition per environment (stage).
     *
     * @default {}
     */
    readonly environments?: Partial<Record<Stage, BackendEnvironmentArgs>>;
  }
> &
  OwnershipArgs;

/**
 * A backend with one definition per environment: APIs published to a stage
 * follow that stage's definition when a request arrives, so changing the
 * RELEASE URL repoints every API in RELEASE at once. The type cannot
 * change: a new type replaces the service.
 */
export class BackendService extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('BackendService');

  /** True when `obj` is a BackendService (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is BackendService {
    return isResourceOf(obj, BackendService.TYPE);
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly type: pulumi.Output<BackendServiceSpec['type']>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly environments: pulumi.Output<BackendServiceSpec['environments']>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: BackendServiceArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, environments, ...spec } = args;
    const envs: Record<string, pulumi.Inputs> = {};
    for (const [stage, env] of Object.entries(environments ?? {}) as [Stage, BackendEnvironmentArgs | undefined][]) {
      if (!env) continue;
      const { vpcAccess, ...rest } = env;
      envs[stage] = vpcAccess === undefined ? rest : { ...rest, vpcAccess: referenceInput(vpcAccess, VpcAccess.isInstance, (v) => v.name) };
    }
    super(
      providerFor('backendService'),
      name,
      { ...spec, environments: envs, description: spec.description, ...ownershipInputs(args) },
      opts,
      TYPE_MODULE,
      'BackendService',
    );
  }
}
