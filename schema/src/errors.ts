/**
 * The error classes every apigw package builds on. Each error has a stable
 * `code` that callers and tests match on; messages are for people and may
 * change.
 */

/** Base of every error apigw throws on purpose. */
export class ApigwError extends Error {
  /** Stable, documented identifier of the failure. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Where and why a document is wrong. */
export interface Problem {
  /** Stable identifier of the rule that failed (see PROBLEM_CODES). */
  readonly code: ProblemCode;
  /** JSON pointer (RFC 6901) to the offending value in the document. */
  readonly pointer: string;
  /** One sentence a user understands. */
  readonly message: string;
}

/**
 * Every rule a document can break, with what it means. Kept as a table so
 * the documentation of codes and the codes themselves cannot drift.
 */
export const PROBLEM_CODES = {
  SCHEMA_VIOLATION: 'The value does not match the JSON Schema (wrong type, missing or unknown field, bad pattern or bound).',
  DUPLICATE_NAME: 'Two resources of one kind share an identity (an API is identified by group/name, an authorization by app and API), or a name is both imported and defined.',
  DUPLICATE_DOMAIN: 'A domain is bound to more than one group.',
  DUPLICATE_PARAMETER: 'An API declares the same parameter twice in one location, uses one {name} twice in its path, or sends two parameters to the same backend name and location.',
  UNKNOWN_REFERENCE: 'A reference names a group, backend service, VPC access, app, API or domain that the document neither defines nor imports.',
  STAGE_WITHOUT_BACKEND: 'An API is published to a stage its backend service has no definition for.',
  ENVIRONMENT_SHAPE: "A backend service's environment definition does not fit the service's type.",
  PATH_PARAMETER_UNDECLARED: 'A {name} in a request or backend path is not a declared path parameter.',
  PATH_PARAMETER_UNUSED: 'A declared path parameter does not appear in the path it belongs to.',
  ROUTE_CONFLICT: 'Two APIs of one group answer the same method and path.',
  AUTHORIZATION_STAGE_UNPUBLISHED: 'An authorization grants a stage the API is not published to.',
  DEFAULT_TYPE_MISMATCH: "A parameter's default value does not parse as the parameter's type.",
  MOCK_UNSERVABLE:
    'A MOCK answer the gateway cannot serve as written: an informational status (1xx), a body on a 204 or 304, a header value with a control character (CR, LF, NUL...), a framing header (Transfer-Encoding, Content-Length, which the gateway sets) or an X-Ca-Error-* header (which would forge a gateway error).',
  PLUGIN_CONFIG: "A plugin's configuration does not fit its type or cannot be used (configuration under another type's key, a bad CIDR block, an unusable key, a wildcard origin with credentials...), or an attachment does not name exactly one of api and group.",
  PLUGIN_CONFLICT: 'Two plugins of one type are attached to the same API, or the same group, in one stage.',
  OSS_ACTION_MISMATCH: "An API's OSS action does not fit its method (GET GetObject; PUT PutObject; POST PostObject or AppendObject; HEAD HeadObject or GetObjectMeta; DELETE DeleteObject), or the API names an OSS action for a backend service that is not OSS.",
} as const;

/** Identifier of a document rule. */
export type ProblemCode = keyof typeof PROBLEM_CODES;

/** A document (or a resource body) broke one or more rules; `problems` lists them all. */
export class DocumentInvalidError extends ApigwError {
  readonly problems: readonly Problem[];

  constructor(problems: readonly Problem[], subject = 'document') {
    super(
      'APIGW_DOCUMENT_INVALID',
      `${subject} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.pointer || '/'}: ${p.message} [${p.code}]`).join('\n'),
    );
    this.problems = problems;
  }
}
