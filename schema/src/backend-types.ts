/**
 * The types of backend service (HTTP, VPC, MOCK, FUNCTION, OSS...) and what
 * a document may say about each: the environment field that holds a
 * type's definition, the other fields it allows and the resources it
 * names. The document schema, the environment-shape rule and the reference
 * graph read these facts from here. A type defined with defineBackendType
 * (the runtime's registerBackendType does it beside the type's data-plane
 * module) is accepted by the validator from then on.
 */

/** What a document may say about one backend type. */
export interface BackendTypeInfo {
  /** The value of a backend service's `type` (`HTTP`). */
  readonly type: string;
  /** The member of each environment definition that holds this type's target (`url`, `vpcAccess`...). */
  readonly field: string;
  /** Other members an environment definition of this type may hold (VPC: `https`). */
  readonly optional?: readonly string[];
  /** Members of the definition that name another resource: the member and the kind it names. */
  readonly references?: readonly { readonly field: string; readonly kind: string }[];
  /**
   * The JSON Schema of `field`, for a type defined with defineBackendType
   * (the built-in types' are in gateway.schema.json). It may `$ref` the
   * document schema's definitions by their full URI.
   */
  readonly schema?: Readonly<Record<string, unknown>>;
}

const BUILT_IN: readonly BackendTypeInfo[] = [
  { type: 'HTTP', field: 'url' },
  { type: 'VPC', field: 'vpcAccess', optional: ['https'], references: [{ field: 'vpcAccess', kind: 'vpcAccess' }] },
  { type: 'MOCK', field: 'mock' },
  { type: 'FUNCTION', field: 'function' },
  { type: 'OSS', field: 'oss' },
];

const TYPES = new Map<string, BackendTypeInfo>(BUILT_IN.map((t) => [t.type, t]));
const listeners: (() => void)[] = [];

/** Every backend type: the built-in ones, then those defined with defineBackendType. */
export function backendTypes(): readonly BackendTypeInfo[] {
  return [...TYPES.values()];
}

/** The facts of one backend type, or undefined for a type nobody defined. */
export function backendTypeInfo(type: string): BackendTypeInfo | undefined {
  return TYPES.get(type);
}

/** The backend types defined with defineBackendType (which the shipped schema does not know). */
export function definedBackendTypes(): readonly (BackendTypeInfo & { readonly schema: Readonly<Record<string, unknown>> })[] {
  return backendTypes().filter((t): t is BackendTypeInfo & { schema: Readonly<Record<string, unknown>> } => t.schema !== undefined);
}

/**
 * Adds a backend type: its name, the environment field that holds its
 * target and that field's JSON Schema. The validator accepts documents and
 * resources of the type from then on; the runtime serves it once its
 * module is registered too (the runtime's registerBackendType does both).
 */
export function defineBackendType(info: BackendTypeInfo & { readonly schema: Readonly<Record<string, unknown>> }): void {
  if (TYPES.has(info.type)) throw new TypeError(`backend type ${info.type} is already defined`);
  if (!/^[A-Z][A-Z0-9_]*$/.test(info.type)) throw new TypeError(`backend type ${JSON.stringify(info.type)} must be upper case letters, digits and _`);
  if (backendTypes().some((t) => t.field === info.field || (t.optional ?? []).includes(info.field)))
    throw new TypeError(`environment field ${info.field} already belongs to another backend type`);
  TYPES.set(info.type, info);
  for (const listener of listeners) listener();
}

/** Calls `listener` whenever a backend type is defined (the validator recompiles its schema). */
export function onBackendTypeDefined(listener: () => void): void {
  listeners.push(listener);
}
