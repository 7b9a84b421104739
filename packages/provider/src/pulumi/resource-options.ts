/**
 * What the six resource classes share: the owning stack's default and the
 * way resource references become inputs that carry their dependency.
 */
import * as pulumi from '@pulumi/pulumi';

/** The module part of every apigw resource's Pulumi type (`pulumi-nodejs:dynamic/apigw:Api`). */
export const TYPE_MODULE = 'apigw';

/** The Pulumi type token of an apigw resource class. */
export function typeToken(typeName: string): string {
  return `pulumi-nodejs:dynamic/${TYPE_MODULE}:${typeName}`;
}

/**
 * The owning stack of resources that do not name one: the `apigw:stack`
 * config, else the Pulumi project and stack names made into a valid apigw
 * stack name (`shop-dev`).
 */
export function defaultOwner(): string {
  const configured = new pulumi.Config(TYPE_MODULE).get('stack');
  if (configured) return configured;
  return stackName(`${pulumi.getProject()}-${pulumi.getStack()}`);
}

/** `raw` as an apigw stack name: a letter first, then letters, digits, `_` or `-`; at most 64 characters. */
export function stackName(raw: string): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_-]/g, '-');
  return (/^[A-Za-z]/.test(cleaned) ? cleaned : `s${cleaned}`).slice(0, 64);
}

/** The inputs every resource sends besides its spec. */
export function ownershipInputs(args: { readonly stack?: pulumi.Input<string> | undefined; readonly adopt?: pulumi.Input<boolean> | undefined }): pulumi.Inputs {
  return { stack: args.stack ?? defaultOwner(), ...(args.adopt !== undefined ? { adopt: args.adopt } : {}) };
}

/** True when `value` is a Pulumi resource registered under `token` (works across copies of this package). */
export function isResourceOf(value: unknown, token: string): boolean {
  return pulumi.Resource.isInstance(value) && (value as unknown as { __pulumiType?: unknown }).__pulumiType === token;
}

/** An input that may be a resource: the resource becomes one of its outputs, so Pulumi orders the two. */
export function referenceInput<R>(value: pulumi.Input<string> | R, isRef: (v: unknown) => v is R, field: (r: R) => pulumi.Input<string>): pulumi.Input<string> {
  return isRef(value) ? field(value) : (value as pulumi.Input<string>);
}
