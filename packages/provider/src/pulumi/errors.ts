/**
 * Errors the Pulumi resources raise. Each has a stable `code`; Pulumi shows
 * the message next to the resource that failed. The refusals of the
 * resource engine (a resource that exists, changed owner or is gone) are
 * the engine's own error classes (`../errors`), reported under the codes
 * Pulumi users have always matched on; the two errors only Pulumi has
 * (no owning stack, inputs that break the schema) are below.
 */
import { ApigwError, type Kind } from '@apigw/schema';
import * as engine from '../errors';

/** Every code the Pulumi resources throw, with what it means. */
export const PULUMI_ERROR_CODES = {
  APIGW_PULUMI_RESOURCE_EXISTS: engine.PROVIDER_ERROR_CODES.APIGW_PULUMI_RESOURCE_EXISTS,
  APIGW_PULUMI_NOT_OWNED: engine.PROVIDER_ERROR_CODES.APIGW_PULUMI_NOT_OWNED,
  APIGW_PULUMI_RESOURCE_GONE: engine.PROVIDER_ERROR_CODES.APIGW_PULUMI_RESOURCE_GONE,
  APIGW_PULUMI_OWNER_UNSET: 'No owning stack is known: set `stack` on the resource, the `apigw:stack` config or APIGW_STACK.',
  APIGW_PULUMI_INPUT_INVALID: "The resource's inputs do not match the schema (each problem names the field).",
} as const;

/** A stable error code of the Pulumi resources. */
export type PulumiErrorCode = keyof typeof PULUMI_ERROR_CODES;

/**
 * An error of the Pulumi resources: `instanceof PulumiResourceError` holds
 * for every error carrying one of PULUMI_ERROR_CODES, the engine's
 * refusals as Pulumi reports them included. Its subclasses are the errors
 * only Pulumi has.
 */
export class PulumiResourceError extends ApigwError {
  declare readonly code: PulumiErrorCode;
  constructor(code: PulumiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== PulumiResourceError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return value instanceof ApigwError && Object.hasOwn(PULUMI_ERROR_CODES, value.code);
  }
}

/** The engine's ResourceExistsError as the Pulumi resources report it (APIGW_PULUMI_RESOURCE_EXISTS). */
export class ResourceExistsError extends engine.ResourceExistsError {
  constructor(kind: Kind, id: string, owner: string | null) {
    super(kind, id, owner, { code: 'APIGW_PULUMI_RESOURCE_EXISTS', hint: 'set adopt: true on the resource to take it over' });
  }
}

/** The engine's OwnerChangedError as the Pulumi resources report it (APIGW_PULUMI_NOT_OWNED). */
export class NotOwnedError extends engine.OwnerChangedError {
  constructor(kind: Kind, id: string, owner: string | null, expected: string | null) {
    super(kind, id, owner, expected, { code: 'APIGW_PULUMI_NOT_OWNED', state: 'the Pulumi state', hint: 'run pulumi refresh to see the live owner' });
  }
}

/** The engine's ResourceGoneError as the Pulumi resources report it (APIGW_PULUMI_RESOURCE_GONE). */
export class ResourceGoneError extends engine.ResourceGoneError {
  constructor(kind: Kind, id: string) {
    super(kind, id, { code: 'APIGW_PULUMI_RESOURCE_GONE', hint: 'run pulumi refresh to drop it from the state, then pulumi up to create it again' });
  }
}

/** No owning stack could be resolved. */
export class OwnerUnsetError extends PulumiResourceError {
  constructor(readonly kind: Kind) {
    super('APIGW_PULUMI_OWNER_UNSET', `no owning stack for this ${kind}: set stack on the resource, the apigw:stack config or APIGW_STACK`);
  }
}

/** Inputs that break the schema reached create or update (check reports them field by field first). */
export class InputInvalidError extends PulumiResourceError {
  constructor(readonly kind: Kind, readonly problems: readonly { readonly property: string; readonly reason: string }[]) {
    super('APIGW_PULUMI_INPUT_INVALID', `${kind} inputs are invalid:\n${problems.map((p) => `  ${p.property || '(resource)'}: ${p.reason}`).join('\n')}`);
  }
}
