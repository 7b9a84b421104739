/**
 * The Pulumi resource of an API: its arguments (the schema's ApiInput, every
 * field a Pulumi input) and the dynamic resource that manages it through the
 * shared lifecycle.
 */
import * as pulumi from '@pulumi/pulumi';
import { apiId, type Api as ApiSpec, type ApiBackendInput, type ApiInput, type Stage } from '@apigw/schema';
import type { PublishedRevision } from '@apigw/runtime';
import { ApiGroup } from './api-group';
import { BackendService } from './backend-service';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, referenceInput, typeToken, TYPE_MODULE } from './resource-options';

/** Where and how the API forwards requests; `service` may be the BackendService resource itself. */
export type ApiBackendArgs = ArgsOf<ApiBackendInput, { readonly service: pulumi.Input<string> | BackendService }>;

/** Arguments of an Api: the schema's ApiInput, every field an input; `group` and `backend.service` may be resources. */
export type ApiArgs = ArgsOf<
  ApiInput,
  {
    /** The group (resource or name). Moving an API to another group replaces it. */
    readonly group: pulumi.Input<string> | ApiGroup;
    readonly backend: ApiBackendArgs;
  }
> &
  OwnershipArgs;

/**
 * An API of a group, published to the stages it lists. A definition change
 * republishes every listed stage; leaving a stage unpublishes it. Its id is
 * `group/name`.
 */
export class Api extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('Api');

  /** True when `obj` is an Api (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is Api {
    return isResourceOf(obj, Api.TYPE);
  }

  declare readonly group: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly auth: pulumi.Output<ApiSpec['auth']>;
  declare readonly request: pulumi.Output<ApiSpec['request']>;
  declare readonly backend: pulumi.Output<ApiSpec['backend']>;
  /** The stages the API is published to. */
  declare readonly stages: pulumi.Output<Stage[]>;
  /** Digest of the current definition. */
  declare readonly digest: pulumi.Output<string>;
  /** The revision each stage serves. */
  declare readonly published: pulumi.Output<Partial<Record<Stage, PublishedRevision>>>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;
  /** The API's identity, `group/name`: what an Authorization names. */
  readonly ref: pulumi.Output<string>;

  constructor(name: string, args: ApiArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, group, backend, ...spec } = args;
    const { service, ...backendRest } = backend;
    super(
      providerFor('api'),
      name,
      {
        ...spec,
        group: referenceInput(group, ApiGroup.isInstance, (g) => g.name),
        backend: { ...backendRest, service: referenceInput(service, BackendService.isInstance, (b) => b.name) },
        description: spec.description,
        auth: spec.auth,
        stages: spec.stages,
        digest: undefined,
        published: undefined,
        ...ownershipInputs(args),
      },
      opts,
      TYPE_MODULE,
      'Api',
    );
    this.ref = pulumi.all([this.group, this.name]).apply(([g, n]) => apiId({ group: g, name: n }));
  }
}
