/**
 * The Pulumi resource of an authorization: an app granted an API in some
 * stages, given by name or as the resources themselves.
 */
import * as pulumi from '@pulumi/pulumi';
import type { Authorization as AuthorizationSpec, Stage } from '@apigw/schema';
import { Api } from './api';
import { App } from './app';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, referenceInput, typeToken, TYPE_MODULE } from './resource-options';

/** Arguments of an Authorization: the schema's Authorization; `app` and `api` may be resources. */
export type AuthorizationArgs = ArgsOf<
  AuthorizationSpec,
  {
    /** The app (resource or name). */
    readonly app: pulumi.Input<string> | App;
    /** The API (resource, or its `group/name`). */
    readonly api: pulumi.Input<string> | Api;
  }
> &
  OwnershipArgs;

/** Grants an app the right to call an API in some stages, optionally until a time. Its id is `app:group/name`. */
export class Authorization extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('Authorization');

  /** True when `obj` is an Authorization (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is Authorization {
    return isResourceOf(obj, Authorization.TYPE);
  }

  declare readonly app: pulumi.Output<string>;
  declare readonly api: pulumi.Output<string>;
  declare readonly stages: pulumi.Output<Stage[]>;
  declare readonly expiresAt: pulumi.Output<string | undefined>;
  declare readonly description: pulumi.Output<string | undefined>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: AuthorizationArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, app, api, ...spec } = args;
    super(
      providerFor('authorization'),
      name,
      {
        ...spec,
        app: referenceInput(app, App.isInstance, (a) => a.name),
        api: referenceInput(api, Api.isInstance, (a) => a.ref),
        expiresAt: spec.expiresAt,
        description: spec.description,
        ...ownershipInputs(args),
      },
      opts,
      TYPE_MODULE,
      'Authorization',
    );
  }
}
