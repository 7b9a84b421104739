/**
 * The Pulumi resource of an app, whose credentials (AppKey, AppSecret,
 * AppCode) come from the gateway and are outputs, the secret ones marked
 * secret.
 */
import * as pulumi from '@pulumi/pulumi';
import type { App as AppSpec } from '@apigw/schema';
import { providerFor } from './dynamic-provider';
import type { ArgsOf, OwnershipArgs } from './inputs';
import { isResourceOf, ownershipInputs, typeToken, TYPE_MODULE } from './resource-options';

/** Arguments of an App: the schema's App, every field an input. */
export type AppArgs = ArgsOf<AppSpec> & OwnershipArgs;

/** The outputs of an App that are Pulumi secrets (encrypted in the state, masked in output). */
export const APP_SECRET_OUTPUTS = ['appSecret', 'appCode'] as const;

/**
 * A calling application. The gateway generates its AppKey (an output),
 * AppSecret and AppCode (secret outputs).
 */
export class App extends pulumi.dynamic.Resource {
  /** The Pulumi type token. */
  static readonly TYPE = typeToken('App');

  /** True when `obj` is an App (also one made by another copy of this package). */
  static override isInstance(obj: unknown): obj is App {
    return isResourceOf(obj, App.TYPE);
  }

  declare readonly name: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string | undefined>;
  /** The AppKey callers send as X-Ca-Key. */
  declare readonly appKey: pulumi.Output<string>;
  /** The AppSecret callers sign with (a secret). */
  declare readonly appSecret: pulumi.Output<string>;
  /** The AppCode callers may present instead of a signature (a secret). */
  declare readonly appCode: pulumi.Output<string>;
  /** The numeric app id backends receive as CaAppId. */
  declare readonly appId: pulumi.Output<number | undefined>;
  /** The apigw stack that owns it (null when imported and not yet adopted). */
  declare readonly stack: pulumi.Output<string | null>;

  constructor(name: string, args: AppArgs, opts?: pulumi.CustomResourceOptions) {
    const { stack: _stack, adopt: _adopt, ...spec } = args;
    super(
      providerFor('app'),
      name,
      { ...spec, description: spec.description, appKey: undefined, appSecret: undefined, appCode: undefined, appId: undefined, ...ownershipInputs(args) },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...APP_SECRET_OUTPUTS] }),
      TYPE_MODULE,
      'App',
    );
    // The engine stores these encrypted (additionalSecretOutputs); wrapping
    // them here keeps them masked in the program whatever the engine does.
    this.appSecret = pulumi.secret(this.appSecret);
    this.appCode = pulumi.secret(this.appCode);
  }
}
