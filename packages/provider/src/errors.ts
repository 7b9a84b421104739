/**
 * Errors of the reconciler and the `apigw` CLI. Each has a stable `code`
 * (documented in the package README, kept in sync by a test); messages are
 * for people.
 */
import { ApigwError } from '@apigw/schema';

/**
 * Every code this package throws, with what it means. A table, so that the
 * documentation and the codes cannot drift.
 */
export const PROVIDER_ERROR_CODES = {
  APIGW_SOURCE_INVALID: 'The -f file cannot be read, is of an unknown type, or its program fails or exports no GatewayStack.',
  APIGW_OWNERSHIP_CONFLICT: 'The document names resources that another stack (or nobody) owns; pass --adopt to take them over.',
  APIGW_IMPORT_MISSING: 'The document imports a resource that does not exist on the gateway.',
  APIGW_PLAN_STALE: 'The gateway changed since the plan was made; nothing was applied.',
  APIGW_PLAN_FILE_INVALID: 'A saved plan file is not a plan this version can apply, or its secrets no longer match its source document.',
  APIGW_APPLY_REFUSED: 'The gateway refused the batch; nothing was applied.',
  APIGW_PLAN_REFUSED: 'The gateway would refuse the plan (a dry run of its batch failed); each refusal names the resource and the reason. Nothing was saved or applied.',
  APIGW_APPROVAL_REQUIRED: 'apply or destroy needs --auto-approve when nobody can answer the prompt.',
  APIGW_EXPORT_AMBIGUOUS: 'export without --stack found resources of several stacks, or of none.',
  APIGW_CONNECTION: 'The admin endpoint is not a URL, or no admin token was found.',
  APIGW_TYPE_ERRORS: 'validate or plan of a TypeScript program found type errors (listed with file:line:column); nothing was planned.',
  APIGW_STACK_EMPTY: 'export --stack names a stack that owns nothing on the gateway.',
  APIGW_USAGE: 'The command line is wrong in a way the CLI can name (a document given where a saved plan goes, ...).',
  APIGW_CALL_TARGET: 'apigw call names a group, API or app the gateway does not have, or no single app is authorized to call with.',
  APIGW_RESOURCE_EXISTS: 'A resource to create already exists on the gateway and was not to be adopted.',
  APIGW_OWNER_CHANGED: 'The live resource is owned by a stack other than the one the tool state recorded (at creation or import); it is left alone.',
  APIGW_RESOURCE_GONE: 'The resource to update no longer exists on the gateway.',
  APIGW_TOOLCHAIN_MISSING: 'An integration (the Pulumi resources, the CDKTF bindings or the Terraform plugin) was loaded in a project without its toolchain, an optional peer dependency; the message names what to install.',
  APIGW_PULUMI_RESOURCE_EXISTS: 'APIGW_RESOURCE_EXISTS as the Pulumi resources report it; set `adopt: true` on the resource to bring it under the stack.',
  APIGW_PULUMI_NOT_OWNED: 'APIGW_OWNER_CHANGED as the Pulumi resources report it: the live resource is owned by a stack other than the one the Pulumi state records; it is left alone.',
  APIGW_PULUMI_RESOURCE_GONE: 'APIGW_RESOURCE_GONE as the Pulumi resources report it; `pulumi refresh` drops it from the state.',
} as const;

/** A stable error code of this package. */
export type ProviderErrorCode = keyof typeof PROVIDER_ERROR_CODES;

/** Base of the provider's errors. */
export class ProviderError extends ApigwError {
  declare readonly code: ProviderErrorCode;
  constructor(code: ProviderErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The desired-state source (document or constructs program) cannot be loaded. */
export class SourceInvalidError extends ProviderError {
  constructor(readonly file: string, reason: string, options?: { cause?: unknown }) {
    super('APIGW_SOURCE_INVALID', `${file}: ${reason}`, options);
  }
}

/** One resource the document names that the stack does not own. */
export interface OwnershipConflict {
  readonly kind: string;
  readonly id: string;
  /** The owning stack, or null when nobody owns it. */
  readonly owner: string | null;
}

/** The document names resources owned by another stack or by nobody. */
export class OwnershipConflictError extends ProviderError {
  constructor(readonly stackName: string, readonly conflicts: readonly OwnershipConflict[]) {
    super(
      'APIGW_OWNERSHIP_CONFLICT',
      `stack ${stackName} does not own ${conflicts.length} resource${conflicts.length === 1 ? '' : 's'} the document names:\n` +
        conflicts.map((c) => `  ${c.kind} ${c.id} (${c.owner === null ? 'owned by no stack' : `owned by stack ${c.owner}`})`).join('\n') +
        '\nRun again with --adopt to take them over.',
    );
  }
}

/** The document imports resources the gateway does not have. */
export class ImportMissingError extends ProviderError {
  constructor(readonly missing: readonly string[]) {
    super('APIGW_IMPORT_MISSING', `the document imports resources the gateway does not have:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  }
}

/** The live state moved since the plan was made. */
export class StalePlanError extends ProviderError {
  constructor(readonly plannedRevision: number, readonly currentRevision: number | undefined, options?: { cause?: unknown }) {
    super(
      'APIGW_PLAN_STALE',
      `the gateway changed since this plan was made (planned against revision ${plannedRevision}` +
        (currentRevision !== undefined ? `, now at ${currentRevision}` : '') +
        '); nothing was applied. Plan again.',
      options,
    );
  }
}

/** A saved plan cannot be applied as it is. */
export class PlanFileInvalidError extends ProviderError {
  constructor(readonly file: string, reason: string) {
    super('APIGW_PLAN_FILE_INVALID', `${file}: ${reason}`);
  }
}

/** The runtime refused the batch; `details` lists why, operation by operation. */
export class ApplyRefusedError extends ProviderError {
  constructor(message: string, readonly details: readonly string[], options?: { cause?: unknown }) {
    super('APIGW_APPLY_REFUSED', details.length > 0 ? `${message}:\n${details.map((d) => `  ${d}`).join('\n')}` : message, options);
  }
}

/** The gateway's dry run of a plan's batch refused it: what apply would meet. */
export class PlanRefusedError extends ProviderError {
  constructor(readonly details: readonly string[], options?: { cause?: unknown }) {
    super(
      'APIGW_PLAN_REFUSED',
      `the gateway would refuse this plan (${details.length} error${details.length === 1 ? '' : 's'}); apply would change nothing:\n${details.map((d) => `  ${d}`).join('\n')}`,
      options,
    );
  }
}

/** apply/destroy cannot ask for approval. */
export class ApprovalRequiredError extends ProviderError {
  constructor(command: string) {
    super('APIGW_APPROVAL_REQUIRED', `${command} needs approval, but stdin is not a terminal: pass --auto-approve`);
  }
}

/** export needs to know which stack to export. */
export class ExportAmbiguousError extends ProviderError {
  constructor(readonly stacks: readonly string[]) {
    super(
      'APIGW_EXPORT_AMBIGUOUS',
      stacks.length === 0
        ? 'no stack owns resources on the gateway: name the stack to export with --stack'
        : `the gateway holds resources of several stacks (${stacks.join(', ')}): name one with --stack`,
    );
  }
}

/** The admin API cannot be reached, or no token is configured. */
export class ConnectionError extends ProviderError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('APIGW_CONNECTION', message, options);
  }
}

/** `apigw call` names something the gateway does not have, or its options are malformed. */
export class CallTargetError extends ProviderError {
  constructor(message: string) {
    super('APIGW_CALL_TARGET', message);
  }
}

/** `export --stack NAME` names a stack that owns nothing. */
export class StackEmptyError extends ProviderError {
  constructor(readonly stackName: string, readonly stacks: readonly string[]) {
    super(
      'APIGW_STACK_EMPTY',
      `stack ${stackName} owns nothing on the gateway` +
        (stacks.length === 0 ? ' (no stack owns anything yet)' : ` (stacks that own resources: ${stacks.join(', ')})`),
    );
  }
}

/** A command-line mistake the CLI can name and correct. */
export class UsageError extends ProviderError {
  constructor(message: string) {
    super('APIGW_USAGE', message);
  }
}

/** A TypeScript program does not type-check. */
export class TypeErrorsError extends ProviderError {
  constructor(readonly file: string, readonly errors: readonly string[]) {
    super(
      'APIGW_TYPE_ERRORS',
      `${file} has ${errors.length} type error${errors.length === 1 ? '' : 's'} (apigw does not plan a program that would not compile; --no-type-check skips this):\n` +
        errors.map((e) => `  ${e}`).join('\n'),
    );
  }
}

function ownedBy(stack: string | null): string {
  return stack === null ? 'owned by no stack' : `owned by stack ${stack}`;
}

/**
 * How an adapter reports one of the resource engine's refusals: the code its
 * users match on (the engine's own unless the adapter documents another),
 * what it calls its state, and what to do about it in the tool's terms.
 */
export interface RefusalWording<C extends ProviderErrorCode> {
  readonly code?: C;
  /** What the tool's state is called in the message (default: `the state`). */
  readonly state?: string;
  /** One clause saying what to do, appended to the message. */
  readonly hint?: string;
}

function hinted(message: string, hint: string | undefined): string {
  return hint === undefined ? message : `${message}; ${hint}`;
}

/**
 * A resource to create exists already, and adopting it was not asked for.
 * The Pulumi resources report it as APIGW_PULUMI_RESOURCE_EXISTS.
 */
export class ResourceExistsError extends ProviderError {
  declare readonly code: 'APIGW_RESOURCE_EXISTS' | 'APIGW_PULUMI_RESOURCE_EXISTS';
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly owner: string | null,
    wording: RefusalWording<'APIGW_RESOURCE_EXISTS' | 'APIGW_PULUMI_RESOURCE_EXISTS'> = {},
  ) {
    super(wording.code ?? 'APIGW_RESOURCE_EXISTS', hinted(`${kind} ${id} already exists on the gateway (${ownedBy(owner)})`, wording.hint));
  }
}

/**
 * The live resource's owner is not the one the tool's state recorded: some
 * other stack took it (or gave it up) since. It is never taken back silently.
 * The Pulumi resources report it as APIGW_PULUMI_NOT_OWNED.
 */
export class OwnerChangedError extends ProviderError {
  declare readonly code: 'APIGW_OWNER_CHANGED' | 'APIGW_PULUMI_NOT_OWNED';
  constructor(
    readonly kind: string,
    readonly id: string,
    readonly owner: string | null,
    readonly expected: string | null,
    wording: RefusalWording<'APIGW_OWNER_CHANGED' | 'APIGW_PULUMI_NOT_OWNED'> = {},
  ) {
    super(
      wording.code ?? 'APIGW_OWNER_CHANGED',
      hinted(`${kind} ${id} is ${ownedBy(owner)}, but ${wording.state ?? 'the state'} records it as ${ownedBy(expected)}; it is left alone`, wording.hint),
    );
  }
}

/**
 * The resource to update is no longer on the gateway. The Pulumi resources
 * report it as APIGW_PULUMI_RESOURCE_GONE.
 */
export class ResourceGoneError extends ProviderError {
  declare readonly code: 'APIGW_RESOURCE_GONE' | 'APIGW_PULUMI_RESOURCE_GONE';
  constructor(
    readonly kind: string,
    readonly id: string,
    wording: RefusalWording<'APIGW_RESOURCE_GONE' | 'APIGW_PULUMI_RESOURCE_GONE'> = {},
  ) {
    super(wording.code ?? 'APIGW_RESOURCE_GONE', hinted(`${kind} ${id} no longer exists on the gateway`, wording.hint));
  }
}

/**
 * An integration entry was loaded in a project that does not have the
 * toolchain it runs on. The toolchains are optional peer dependencies, so
 * that a project using only the CLI, CDKTF or Pulumi installs only its own;
 * `install` is the command that adds the missing ones.
 */
export class ToolchainMissingError extends ProviderError {
  constructor(readonly entry: string, readonly missing: readonly string[], readonly install: string) {
    super(
      'APIGW_TOOLCHAIN_MISSING',
      `${entry} needs ${missing.join(' and ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed in this project ` +
        `(the apigw command and the other integrations do not need ${missing.length === 1 ? 'it' : 'them'}). Install: ${install}`,
    );
  }
}
