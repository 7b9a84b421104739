/**
 * The protocol between gateway constructs and GatewayStack's synthesis,
 * kept under symbols so it is invisible in the public API. The symbols are
 * registered (`Symbol.for`), so constructs from two copies of this package
 * still recognise each other.
 */
import type { IConstruct } from 'constructs';
import { closestNames, gatewaySchema, type Kind } from '@apigw/schema';
import { NotInStackError, type ConstructProblemCode } from './errors';

/** Brand of a GatewayStack. */
export const STACK_BRAND = Symbol.for('@apigw/constructs.GatewayStack');

/** Where a construct keeps its ResourceState. */
export const RESOURCE = Symbol.for('@apigw/constructs.Resource');

/** A construct-level problem; `at` is a pointer relative to the resource. */
export interface CodedCheck {
  readonly code: ConstructProblemCode;
  readonly at: string;
  readonly message: string;
}

/** What a resource needs from the stack while it renders its spec. */
export interface RenderContext {
  /**
   * The name under which to refer to `target` of `kind`. A target that is
   * imported (or is not a gateway construct at all) is recorded in the
   * document's `imports`.
   */
  ref(kind: Kind, target: object, name: string): string;
}

/** How a gateway construct takes part in synthesis. */
export interface ResourceState {
  readonly kind: Kind;
  /** True for `fromXxxName()` imports: they render nothing. */
  readonly imported: boolean;
  /** Identity within the kind (an API's is group/name). */
  readonly identity: string;
  /** The resource's spec as the user wrote it (defaults are applied by validation). */
  render(ctx: RenderContext): Record<string, unknown>;
  /** Cross-field rules of this construct. */
  checks(): CodedCheck[];
}

/** Attaches a resource's state to its construct and registers its validation. */
export function registerResource(construct: IConstruct, state: ResourceState): void {
  Object.defineProperty(construct, RESOURCE, { value: state, enumerable: false });
  if (!state.imported) construct.node.addValidation({ validate: () => state.checks().map((c) => c.message) });
}

/** The resource state of a construct, if it is a gateway resource. */
export function resourceState(x: unknown): ResourceState | undefined {
  if (x === null || typeof x !== 'object') return undefined;
  return (x as { [RESOURCE]?: ResourceState })[RESOURCE];
}

/** True when `x` carries the brand `symbol`. */
export function hasBrand(x: unknown, symbol: symbol): boolean {
  return x !== null && typeof x === 'object' && (x as Record<symbol, unknown>)[symbol] === true;
}

/** Brands an instance so `isXxx()` recognises it across package copies. */
export function brand(x: object, symbol: symbol): void {
  Object.defineProperty(x, symbol, { value: true, enumerable: false });
}

/** The nearest GatewayStack at or above `c`, if any. */
export function tryFindStack(c: IConstruct): IConstruct | undefined {
  for (const scope of [...c.node.scopes].reverse()) if (hasBrand(scope, STACK_BRAND)) return scope;
  return undefined;
}

/** The nearest GatewayStack at or above `c`; throws NotInStackError when there is none. */
export function findStack(c: IConstruct): IConstruct {
  const stack = tryFindStack(c);
  if (!stack) throw new NotInStackError(c.node.path);
  return stack;
}

/**
 * A FOREIGN_REFERENCE problem when `target` is a resource defined by
 * another GatewayStack than `owner`'s (imports and plain references are fine).
 */
export function foreignReference(owner: IConstruct, target: object, at: string, what: string): CodedCheck[] {
  const state = resourceState(target);
  if (!state || state.imported) return [];
  const targetStack = tryFindStack(target as IConstruct);
  const ownStack = tryFindStack(owner);
  if (targetStack === ownStack) return [];
  const other = targetStack ? targetStack.node.path : '(no stack)';
  return [
    {
      code: 'FOREIGN_REFERENCE',
      at,
      message: `${what} is defined by stack ${other}; import it into this stack with its fromXxxName() method`,
    },
  ];
}

/** A copy of an array prop, or an empty array. */
export function listOf<T>(items: readonly T[] | undefined): T[] {
  return items ? [...items] : [];
}

/** The property names of a schema definition (`#/$defs/NAME`). */
function schemaProperties(definition: string): string[] {
  const defs = gatewaySchema['$defs'] as Record<string, { properties?: Record<string, unknown> }>;
  return Object.keys(defs[definition]?.properties ?? {});
}

/** The props a construct of a schema definition takes: its fields, renamed as the construct names them. */
export function knownProps(definition: string, renames: Readonly<Record<string, string>> = {}): string[] {
  return schemaProperties(definition).map((p) => renames[p] ?? p);
}

/**
 * Problems for props a construct does not know. TypeScript catches them at
 * compile time, but programs run by jiti or written in JavaScript are not
 * type-checked, and a misspelt top-level prop (`domians:`) would silently
 * be dropped. The known props are the schema definition's fields, with the
 * construct's renames (`name` -> `groupName`); a typo gets
 * the closest known name.
 */
export function unknownProps(props: object | undefined, construct: string, definition: string, renames: Readonly<Record<string, string>> = {}): CodedCheck[] {
  if (props === undefined || props === null) return [];
  const known = knownProps(definition, renames);
  return Object.keys(props)
    .filter((k) => !known.includes(k) && (props as Record<string, unknown>)[k] !== undefined)
    .map((k) => unknownName(`${construct} has no prop "${k}"`, k, known));
}

/** A problem for a name that is not among `known`, with what was probably meant. */
export function unknownName(what: string, name: string, known: readonly string[], at = ''): CodedCheck {
  const close = closestNames(name, known);
  const hint = close.length > 0 ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}?` : `known: ${known.join(', ')}`;
  return { code: 'UNKNOWN_PROP', at, message: `${what}; ${hint}` };
}
