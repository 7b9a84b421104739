/**
 * Errors the Pulumi resources raise. Each has a stable `code`; Pulumi shows
 * the message next to the resource that failed.
 */
import { ApigwError, type Kind } from '@apigw/schema';

/** Every code the Pulumi resources throw, with what it means. */
export const PULUMI_ERROR_CODES = {
  APIGW_PULUMI_RESOURCE_EXISTS: 'A resource to create already exists on the gateway; set `adopt: true` on it to bring it under the stack.',
  APIGW_PULUMI_NOT_OWNED: 'The live resource is owned by a stack other than the one the Pulumi state records; it is left alone.',
  APIGW_PULUMI_RESOURCE_GONE: 'The resource to update no longer exists on the gateway; `pulumi refresh` drops it from the state.',
  APIGW_PULUMI_OWNER_UNSET: 'No owning stack is known: set `stack` on the resource, the `apigw:stack` config or APIGW_STACK.',
  APIGW_PULUMI_INPUT_INVALID: "The resource's inputs do not match the schema (each problem names the field).",
} as const;

/** A stable error code of the Pulumi resources. */
export type PulumiErrorCode = keyof typeof PULUMI_ERROR_CODES;

/** Base of the Pulumi resources' errors. */
export class PulumiResourceError extends ApigwError {
  declare readonly code: PulumiErrorCode;
  constructor(code: PulumiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

function owned(stack: string | null): string {
  return stack === null ? 'owned by no stack' : `owned by stack ${stack}`;
}

/** Create found the resource already there. */
export class ResourceExistsError extends PulumiResourceError {
  constructor(readonly kind: Kind, readonly id: string, readonly owner: string | null) {
    super('APIGW_PULUMI_RESOURCE_EXISTS', `${kind} ${id} already exists on the gateway (${owned(owner)}); set adopt: true on the resource to take it over`);
  }
}

/** The live resource belongs to a stack the Pulumi state does not expect. */
export class NotOwnedError extends PulumiResourceError {
  constructor(readonly kind: Kind, readonly id: string, readonly owner: string | null, readonly expected: string | null) {
    super(
      'APIGW_PULUMI_NOT_OWNED',
      `${kind} ${id} is ${owned(owner)}, but the Pulumi state records it as ${owned(expected)}; it is left alone (run pulumi refresh to see the live owner)`,
    );
  }
}

/** Update found nothing to update. */
export class ResourceGoneError extends PulumiResourceError {
  constructor(readonly kind: Kind, readonly id: string) {
    super('APIGW_PULUMI_RESOURCE_GONE', `${kind} ${id} no longer exists on the gateway; run pulumi refresh to drop it from the state, then pulumi up to create it again`);
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
