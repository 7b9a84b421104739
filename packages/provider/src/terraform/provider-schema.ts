/**
 * The Terraform view of the document schema (attributes and blocks per
 * resource type), derived from gateway.schema.json and read by the plugin,
 * the value conversions and the CDKTF bindings.
 */
import {
  ANY,
  KINDS,
  fieldMarks,
  gatewaySchema,
  hasCredentials,
  idDescription,
  identityFields,
  kindInfo,
  kindSchema,
  matchesAny,
  type FieldMarks,
  type Kind,
} from '@apigw/schema';

/**
 * The Terraform view of the gateway document schema. One module derives it
 * from `schema/gateway.schema.json`; the plugin's GetProviderSchema, the
 * value conversions and the CDKTF bindings all read it from here.
 *
 * Mapping (chosen so that HCL and CDKTF read like the document and a value
 * round-trips exactly):
 * - field names become snake_case (`vpcId` -> `vpc_id`, `TEST` -> `test`);
 * - scalars become attributes (`integer` -> `number`); arrays of scalars
 *   become `list` attributes, or `set` when the schema says `uniqueItems`;
 *   objects with free keys (`headers`) become `map` attributes;
 * - objects with fixed properties (`request`, `auth`, `environments`, its
 *   `release`...) become single nested blocks, arrays of objects
 *   (`parameters`, `certificates`) list blocks; a required object is a block
 *   with `min_items = max_items = 1`;
 * - an optional field with a schema default is optional + computed, and the
 *   plugin plans the default when the configuration leaves it out, so state
 *   always holds the value the gateway uses;
 * - `id` (the resource's identity) is computed; apps also get computed
 *   `app_key`, `app_secret` and `app_code`, the last two sensitive, like
 *   every field the schema marks `x-apigw-secret`;
 * - identity fields and fields marked `x-apigw-replace` force replacement.
 */

/** A Terraform type, as the plugin protocol writes it in JSON. */
export type TfType = 'string' | 'number' | 'bool' | readonly ['list' | 'set' | 'map', TfType];

/** One attribute of a block. */
export interface TfAttribute {
  /** Terraform name (snake_case). */
  readonly name: string;
  /** The document field it carries; absent for attributes only Terraform has (`id`, app credentials). */
  readonly field?: string;
  readonly type: TfType;
  readonly description: string;
  readonly required: boolean;
  readonly optional: boolean;
  readonly computed: boolean;
  readonly sensitive: boolean;
  /** Changing the value cannot be done in place: the resource is replaced. */
  readonly replace: boolean;
  /** The schema's default, planned when the configuration leaves the attribute out. */
  readonly default?: unknown;
}

/** A nested block type. */
export interface TfBlockType {
  readonly name: string;
  readonly field: string;
  /** `single`: at most one block (a document object); `list`: a document array of objects. */
  readonly nesting: 'single' | 'list';
  /** A single block the document requires. */
  readonly required: boolean;
  readonly maxItems?: number;
  readonly block: TfBlock;
}

/** A block: attributes and nested block types. */
export interface TfBlock {
  readonly description: string;
  readonly attributes: readonly TfAttribute[];
  readonly blockTypes: readonly TfBlockType[];
}

/** A managed resource type and the kind it manages. */
export interface TfResourceType {
  readonly typeName: string;
  readonly kind: Kind;
  readonly version: number;
  readonly block: TfBlock;
  /** The top-level fields the resource's identity (`id`) is made of. */
  readonly identity: readonly string[];
}

/** The provider's registry address (what `required_providers` names). */
export const PROVIDER_NAMESPACE = 'apigw';
export const PROVIDER_NAME = 'apigw';
export const PROVIDER_SOURCE = `${PROVIDER_NAMESPACE}/${PROVIDER_NAME}`;
export const PROVIDER_FQN = `registry.terraform.io/${PROVIDER_SOURCE}`;

/** Stack that owns what Terraform creates, unless the provider configuration names another. */
export const DEFAULT_STACK = 'terraform';

/**
 * A kind's Terraform resource type: `apigw_` and the snake_case of its
 * schema definition (`ApiGroup` -> `apigw_api_group`), so a kind added to
 * the registry has its type without a table to extend.
 */
export function resourceTypeName(kind: Kind): string {
  return `${PROVIDER_NAME}_${snakeCase(kindInfo(kind).definition)}`;
}

/** Attributes the gateway computes for a kind with credentials (an app); `app_secret` and `app_code` are secrets. */
const CREDENTIALS: readonly TfAttribute[] = [
  computedAttribute('app_key', 'AppKey the gateway generated for the app; callers send it as X-Ca-Key.', false),
  computedAttribute('app_secret', 'AppSecret the gateway generated for the app; the HMAC key of signed requests.', true),
  computedAttribute('app_code', 'AppCode the gateway generated for the app; sent as `Authorization: APPCODE <code>`.', true),
];

function computedAttribute(name: string, description: string, sensitive: boolean): TfAttribute {
  return { name, type: 'string', description, required: false, optional: false, computed: true, sensitive, replace: false };
}

type SchemaNode = Readonly<Record<string, unknown>>;
const defs = gatewaySchema['$defs'] as Readonly<Record<string, SchemaNode>>;

/**
 * A schema node with its `$ref` chain merged in; the referring node's own
 * keys win. A ref is to the document schema's definitions, relative
 * (`#/$defs/Name`) or by the full URI a kind defined with defineKind uses.
 */
function resolve(node: SchemaNode): SchemaNode {
  const ref = node['$ref'];
  if (typeof ref !== 'string') return node;
  const target = defs[ref.slice(ref.indexOf('#/$defs/') + '#/$defs/'.length)];
  if (!target) throw new TypeError(`unresolvable $ref ${ref}`);
  const { $ref: _ignored, ...own } = node;
  return { ...resolve(target), ...own };
}

/** snake_case of a document field name: `vpcId` -> `vpc_id`, `TEST` -> `test`. */
export function snakeCase(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function isFixedObject(node: SchemaNode): boolean {
  return node['type'] === 'object' && typeof node['properties'] === 'object';
}

function tfType(node: SchemaNode, where: string): TfType {
  const n = resolve(node);
  switch (n['type']) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'array':
      return [n['uniqueItems'] === true ? 'set' : 'list', tfType(n['items'] as SchemaNode, `${where}[]`)];
    case 'object': {
      const additional = n['additionalProperties'];
      if (additional && typeof additional === 'object') return ['map', tfType(additional as SchemaNode, `${where}{}`)];
      break;
    }
    default:
      if (typeof n['const'] === 'string' || Array.isArray(n['enum'])) return 'string';
  }
  throw new TypeError(`no Terraform type for schema node at ${where}`);
}

function describe(n: SchemaNode, replace: boolean): string {
  const text = typeof n['description'] === 'string' ? n['description'] : '';
  const values = Array.isArray(n['enum']) ? ` One of ${n['enum'].map((v) => `\`${String(v)}\``).join(', ')}.` : '';
  const dflt = n['default'] !== undefined && !isFixedObject(n) ? ` Default: \`${JSON.stringify(n['default'])}\`.` : '';
  return `${text}${values}${dflt}${replace ? ' Changing it replaces the resource.' : ''}`.trim();
}

/**
 * The block of a schema object found at `path` within a resource. Which
 * fields are replace-only or secret comes from the kind's marks (the same
 * reading of `x-apigw-replace`/`x-apigw-secret` the handlers use), plus the
 * identity fields at the top.
 */
function blockFromObject(node: SchemaNode, where: string, path: readonly string[], marks: FieldMarks, identity: ReadonlySet<string>): TfBlock {
  const n = resolve(node);
  const required = new Set((n['required'] as string[] | undefined) ?? []);
  const attributes: TfAttribute[] = [];
  const blockTypes: TfBlockType[] = [];
  for (const [field, raw] of Object.entries(n['properties'] as Record<string, SchemaNode>)) {
    const p = resolve(raw);
    const name = snakeCase(field);
    const at = `${where}.${name}`;
    const items = p['type'] === 'array' && p['items'] ? resolve(p['items'] as SchemaNode) : undefined;
    if (isFixedObject(p)) {
      const isRequired = required.has(field);
      blockTypes.push({ name, field, nesting: 'single', required: isRequired, block: blockFromObject(p, at, [...path, field], marks, new Set()) });
    } else if (items && isFixedObject(items)) {
      const maxItems = typeof p['maxItems'] === 'number' ? p['maxItems'] : undefined;
      blockTypes.push({
        name,
        field,
        nesting: 'list',
        required: false,
        ...(maxItems !== undefined ? { maxItems } : {}),
        block: blockFromObject(items, at, [...path, field, ANY], marks, new Set()),
      });
    } else {
      const isRequired = required.has(field);
      const replace = identity.has(field) || matchesAny(marks.replace, [...path, field]);
      const hasDefault = p['default'] !== undefined;
      attributes.push({
        name,
        field,
        type: tfType(p, at),
        description: describe(p, replace),
        required: isRequired,
        optional: !isRequired,
        computed: !isRequired && hasDefault,
        sensitive: matchesAny(marks.secret, [...path, field]),
        replace,
        ...(hasDefault ? { default: p['default'] } : {}),
      });
    }
  }
  return { description: typeof n['description'] === 'string' ? n['description'] : '', attributes, blockTypes };
}

function buildResourceType(kind: Kind): TfResourceType {
  const typeName = resourceTypeName(kind);
  const identity = identityFields(kind);
  const block = blockFromObject(kindSchema(kind), typeName, [], fieldMarks(kind), new Set(identity));
  const id = computedAttribute('id', idDescription(kind), false);
  const extra = hasCredentials(kind) ? CREDENTIALS : [];
  return { typeName, kind, version: 0, block: { ...block, attributes: [id, ...block.attributes, ...extra] }, identity };
}

/**
 * Every resource type, in the document's dependency order: one per kind of
 * the registry, a kind defined after this module loaded included (its type
 * is added on the next lookup).
 */
export const RESOURCE_TYPES: readonly TfResourceType[] = [];

/** RESOURCE_TYPES, with a type for every kind the registry has now. */
function currentTypes(): readonly TfResourceType[] {
  const types = RESOURCE_TYPES as TfResourceType[];
  for (const { kind } of KINDS.slice(types.length)) types.push(buildResourceType(kind));
  return types;
}
currentTypes();

/** Every resource type of the kinds the registry has now. */
export function resourceTypes(): readonly TfResourceType[] {
  return currentTypes();
}

/** The resource type named `typeName`, or undefined. */
export function resourceType(typeName: string): TfResourceType | undefined {
  return currentTypes().find((r) => r.typeName === typeName);
}

/** The resource type of a kind. */
export function resourceTypeOf(kind: Kind): TfResourceType {
  const found = currentTypes().find((r) => r.kind === kind);
  if (!found) throw new TypeError(`unknown kind ${String(kind)}`);
  return found;
}

/** The provider block: where the gateway's admin API is and which stack Terraform acts for. */
export const PROVIDER_CONFIG_BLOCK: TfBlock = {
  description: 'The apigw gateway Terraform manages.',
  attributes: [
    {
      name: 'endpoint',
      type: 'string',
      description: 'URL of the gateway admin API. Default: the APIGW_ENDPOINT environment variable, else `http://127.0.0.1:9080`.',
      required: false,
      optional: true,
      computed: false,
      sensitive: false,
      replace: false,
    },
    {
      name: 'token',
      type: 'string',
      description: 'Bearer token of the admin API. Default: the APIGW_TOKEN environment variable.',
      required: false,
      optional: true,
      computed: false,
      sensitive: true,
      replace: false,
    },
    {
      name: 'stack',
      type: 'string',
      description: `Stack that owns the resources this configuration creates; resources of other stacks are never changed. Default: the APIGW_STACK environment variable, else \`${DEFAULT_STACK}\`.`,
      required: false,
      optional: true,
      computed: false,
      sensitive: false,
      replace: false,
    },
  ],
  blockTypes: [],
};

/** JSON form of a block in `terraform providers schema -json`. */
export interface BlockJson {
  attributes?: Record<string, AttributeJson>;
  block_types?: Record<string, BlockTypeJson>;
  description?: string;
  description_kind: 'plain';
}

/** JSON form of an attribute in `terraform providers schema -json`. */
export interface AttributeJson {
  type: TfType;
  description?: string;
  description_kind: 'plain';
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
}

/** JSON form of a nested block type in `terraform providers schema -json`. */
export interface BlockTypeJson {
  nesting_mode: 'single' | 'list';
  block: BlockJson;
  min_items?: number;
  max_items?: number;
}

/** The provider schema in the `terraform providers schema -json` format. */
export interface ProviderSchemasJson {
  format_version: '1.0';
  provider_schemas: Record<
    string,
    {
      provider: { version: number; block: BlockJson };
      resource_schemas: Record<string, { version: number; block: BlockJson }>;
    }
  >;
  /** What @cdktf/provider-generator writes into the bindings as the provider's version. */
  provider_versions: Record<string, string>;
}

/** A block in the JSON format. */
export function blockJson(block: TfBlock): BlockJson {
  const out: BlockJson = { description_kind: 'plain' };
  if (block.attributes.length > 0) {
    out.attributes = {};
    for (const a of block.attributes) {
      const attr: AttributeJson = { type: a.type, description_kind: 'plain' };
      if (a.description) attr.description = a.description;
      if (a.required) attr.required = true;
      if (a.optional) attr.optional = true;
      if (a.computed) attr.computed = true;
      if (a.sensitive) attr.sensitive = true;
      out.attributes[a.name] = attr;
    }
  }
  if (block.blockTypes.length > 0) {
    out.block_types = {};
    for (const b of block.blockTypes) {
      const bt: BlockTypeJson = { nesting_mode: b.nesting, block: blockJson(b.block) };
      if (b.nesting === 'single' && b.required) {
        bt.min_items = 1;
        bt.max_items = 1;
      }
      if (b.nesting === 'list' && b.maxItems !== undefined) bt.max_items = b.maxItems;
      out.block_types[b.name] = bt;
    }
  }
  if (block.description) out.description = block.description;
  return out;
}

/** The whole provider schema, as `terraform providers schema -json` prints it, for the given provider version. */
export function providerSchemaJson(version: string): ProviderSchemasJson {
  const resources: Record<string, { version: number; block: BlockJson }> = {};
  for (const r of resourceTypes()) resources[r.typeName] = { version: r.version, block: blockJson(r.block) };
  return {
    format_version: '1.0',
    provider_schemas: {
      [PROVIDER_FQN]: {
        provider: { version: 0, block: blockJson(PROVIDER_CONFIG_BLOCK) },
        resource_schemas: resources,
      },
    },
    provider_versions: { [PROVIDER_FQN]: version },
  };
}
