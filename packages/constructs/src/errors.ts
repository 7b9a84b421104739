/**
 * Errors thrown by @apigw/constructs. Every class has a stable `code`
 * (documented in CONSTRUCTS_ERROR_CODES); messages are for people.
 */
import { ApigwError, type ProblemCode } from '@apigw/schema';

/**
 * Every error code this package throws, with what it means. A test keeps
 * this table and the classes below in step.
 */
export const CONSTRUCTS_ERROR_CODES = {
  APIGW_SYNTH_INVALID: 'A stack does not synthesize to a valid document; the error lists every problem with its construct path and JSON pointer.',
  APIGW_NOT_IN_STACK: 'A gateway construct was created outside any GatewayStack.',
  APIGW_DUPLICATE_ENVIRONMENT: 'A backend service was given two definitions for one environment.',
  APIGW_CONFLICTING_AUTHORIZATION: 'An app was authorized for one API twice with different expiry times.',
  APIGW_PROGRAM_EXPORT: 'A constructs program module does not export a GatewayStack (or a function returning one) as its default export.',
} as const;

/** Identifier of an error thrown by this package. */
export type ConstructsErrorCode = keyof typeof CONSTRUCTS_ERROR_CODES;

/**
 * Problems found by the constructs themselves (`node.addValidation`) before
 * the document exists. Document rules use the codes of `PROBLEM_CODES`.
 */
export const CONSTRUCT_PROBLEM_CODES = {
  FOREIGN_REFERENCE: 'A construct refers to a resource that another GatewayStack defines; import it with fromXxxName() instead.',
  CONSTRUCT_INVALID: 'A validation added to a construct with node.addValidation() failed.',
  UNKNOWN_PROP: 'A construct was given a prop it does not have (a misspelling, in a program that is not type-checked); the message names the closest known prop.',
} as const;

/** Identifier of a construct-level problem. */
export type ConstructProblemCode = keyof typeof CONSTRUCT_PROBLEM_CODES;

/** One reason a stack does not synthesize. */
export interface SynthProblem {
  /** Stable identifier of the rule that failed. */
  readonly code: ProblemCode | ConstructProblemCode;
  /** Path of the construct that defines the offending value (`shop/users`). */
  readonly path: string;
  /** JSON pointer (RFC 6901) to the offending value in the synthesized document. */
  readonly pointer: string;
  /** One sentence a user understands. */
  readonly message: string;
}

/** A stack does not synthesize; `problems` lists every reason at once. */
export class SynthError extends ApigwError {
  /** Every problem found, construct problems first, then document problems in document order. */
  readonly problems: readonly SynthProblem[];

  constructor(stackPath: string, problems: readonly SynthProblem[]) {
    super(
      'APIGW_SYNTH_INVALID',
      `stack ${stackPath} does not synthesize (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  [${p.path}] ${p.pointer || '/'}: ${p.message} [${p.code}]`).join('\n'),
    );
    this.problems = problems;
  }
}

/** A gateway construct has no GatewayStack above it. */
export class NotInStackError extends ApigwError {
  constructor(path: string) {
    super('APIGW_NOT_IN_STACK', `construct ${path || '(root)'} is not inside a GatewayStack; create gateway resources under one`);
  }
}

/** addEnvironment() was called for an environment that already has a definition. */
export class DuplicateEnvironmentError extends ApigwError {
  constructor(path: string, stage: string) {
    super('APIGW_DUPLICATE_ENVIRONMENT', `[${path}] backend service already has a ${stage} definition`);
  }
}

/** An app was authorized for an API twice with different expiry times. */
export class ConflictingAuthorizationError extends ApigwError {
  constructor(path: string, existing: string | undefined, requested: string) {
    super(
      'APIGW_CONFLICTING_AUTHORIZATION',
      `[${path}] authorization already expires ${existing === undefined ? 'never' : `at ${existing}`}; it cannot also expire at ${requested}`,
    );
  }
}

/** A constructs program module's default export is not a GatewayStack. */
export class ProgramExportError extends ApigwError {
  constructor(source: string, found: string) {
    super(
      'APIGW_PROGRAM_EXPORT',
      `${source} must default-export a GatewayStack, or a function returning one (or a promise of one); found ${found}`,
    );
  }
}
