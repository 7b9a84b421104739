/**
 * Pulumi argument types derived from the schema's generated `XxxInput`
 * types: every field, at any depth, also accepts a `pulumi.Input` (a plain
 * value, a promise or another resource's output).
 */
import type * as pulumi from '@pulumi/pulumi';

/** `T` with every member, at any depth, accepting a `pulumi.Input`. */
export type InputTree<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? pulumi.Input<InputTree<E>>[]
    : { [K in keyof T]: pulumi.Input<InputTree<T[K]>> };

/** A resource's arguments: every field of the spec `T` as an input, except those `R` redefines. */
export type ArgsOf<T, R extends object = object> = { [K in keyof T as K extends keyof R ? never : K]: pulumi.Input<InputTree<T[K]>> } & R;

/** What every apigw resource accepts besides its spec. */
export interface OwnershipArgs {
  /**
   * The apigw stack that owns the resource (the document's `stack`): only
   * that stack may change or delete it.
   *
   * @default the `apigw:stack` config, else `<project>-<stack>` of the Pulumi stack
   */
  readonly stack?: pulumi.Input<string>;
  /**
   * Take over a resource that already exists on the gateway (owned by
   * nobody or by another stack) instead of failing to create it; it is
   * then updated to match the arguments.
   *
   * @default false
   */
  readonly adopt?: pulumi.Input<boolean>;
}
