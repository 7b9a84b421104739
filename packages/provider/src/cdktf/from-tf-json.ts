/**
 * Reads the `cdk.tf.json` CDKTF synthesizes back into an apigw document, so
 * `apigw plan/apply` can run a CDKTF program's stack without Terraform.
 */
import {
  DocumentInvalidError,
  KINDS,
  kindInfo,
  parseDocument,
  pointerToken,
  resourceId,
  type GatewayDocument,
  type GatewayDocumentInput,
  type Kind,
  type KindSpecs,
} from '@apigw/schema';
import { DEFAULT_STACK, resourceTypeName, resourceTypeOf, type TfBlock } from '../terraform/provider-schema';
import { conform, fromTf, pointerToPath, type TfObject, type TfValue } from '../terraform/values';
import { TfJsonInvalidError } from './errors';

/**
 * Reads a stack synthesized by CDKTF (`cdktf synth` writes
 * `cdktf.out/stacks/<name>/cdk.tf.json`) as an apigw document, so that a
 * pipeline without Terraform can `apigw plan/apply -f cdk.tf.json`.
 *
 * Only the resources of this provider are read. Their values must be
 * literal or references to other apigw resources of the same file
 * (`${apigw_api_group.x.name}`, `${apigw_api.y.id}`), which is what
 * ApigwResources synthesizes; the document's `stack` is the apigw
 * provider's `stack` (default `terraform`, as the provider's).
 */

const META_ARGUMENTS = new Set(['//', 'depends_on', 'lifecycle', 'provider', 'connection', 'provisioner']);
const REFERENCE = /^\$\{(apigw_[a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}$/;

interface Entry {
  readonly kind: Kind;
  readonly typeName: string;
  readonly name: string;
  readonly pointer: string;
  readonly raw: Record<string, unknown>;
  resolved?: TfObject;
  resolving?: boolean;
}

/** A cdk.tf.json object as an apigw document (not yet validated; `apigw` validates it like any document). */
export function documentFromTfJson(input: unknown, file = 'cdk.tf.json'): GatewayDocumentInput {
  return readTfJson(input, file).document;
}

/**
 * A cdk.tf.json object as a validated apigw document. Each problem names
 * its place in the file (`/resource/apigw_api_group/shop/base_path`), not in
 * the document it is read as, which the user never sees.
 */
export function parseTfJsonDocument(input: unknown, file = 'cdk.tf.json'): GatewayDocument {
  const { document, places } = readTfJson(input, file);
  try {
    return parseDocument(document);
  } catch (error) {
    if (!(error instanceof DocumentInvalidError)) throw error;
    throw new DocumentInvalidError(
      error.problems.map((p) => ({ ...p, pointer: filePointer(p.pointer, places) })),
      file,
    );
  }
}

/** The resource a document entry (`/groups/0`) was read from. */
interface Place {
  readonly kind: Kind;
  readonly pointer: string;
}

/** A document pointer as the pointer of the same value in the cdk.tf.json file. */
function filePointer(pointer: string, places: ReadonlyMap<string, Place>): string {
  if (pointer === '/stack') return '/provider/apigw/stack';
  const entry = /^\/[A-Za-z]+\/\d+/.exec(pointer)?.[0];
  const place = entry === undefined ? undefined : places.get(entry);
  if (!entry || !place) return pointer;
  const steps = pointerToPath(resourceTypeOf(place.kind).block, pointer.slice(entry.length));
  const tokens = steps.map((s) => ('attribute_name' in s ? s.attribute_name : 'element_key_int' in s ? String(s.element_key_int) : s.element_key_string));
  return place.pointer + tokens.map((t) => `/${pointerToken(t)}`).join('');
}

function readTfJson(input: unknown, file: string): { document: GatewayDocumentInput; places: Map<string, Place> } {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new TfJsonInvalidError(file, '', 'is not a Terraform JSON configuration object');
  const tf = input as Record<string, unknown>;
  const entries = new Map<string, Entry>();
  const resources = (tf['resource'] ?? {}) as Record<string, unknown>;
  for (const { kind } of KINDS) {
    const typeName = resourceTypeName(kind);
    const byName = resources[typeName];
    if (byName === undefined) continue;
    if (!byName || typeof byName !== 'object') throw new TfJsonInvalidError(file, `/resource/${typeName}`, 'must be an object of resources by name');
    for (const [name, raw] of Object.entries(byName as Record<string, unknown>)) {
      const pointer = `/resource/${typeName}/${pointerToken(name)}`;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new TfJsonInvalidError(file, pointer, 'must be an object');
      for (const meta of ['count', 'for_each'])
        if (meta in raw) throw new TfJsonInvalidError(file, `${pointer}/${meta}`, `${meta} cannot be read without Terraform; declare each resource`);
      entries.set(`${typeName}.${name}`, { kind, typeName, name, pointer, raw: raw as Record<string, unknown> });
    }
  }

  const resolveEntry = (entry: Entry): TfObject => {
    if (entry.resolved) return entry.resolved;
    if (entry.resolving) throw new TfJsonInvalidError(file, entry.pointer, 'references itself through other resources');
    entry.resolving = true;
    const block = resourceTypeOf(entry.kind).block;
    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry.raw)) if (!META_ARGUMENTS.has(k)) body[k] = v;
    checkKeys(block, body, entry.pointer, file);
    const value = conform(block, resolveValue(shapeBlocks(block, body), entry.pointer) as TfValue);
    entry.resolving = false;
    entry.resolved = value;
    return value;
  };

  const resolveValue = (v: unknown, pointer: string): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('${')) return v;
      const m = REFERENCE.exec(v);
      if (!m) throw new TfJsonInvalidError(file, pointer, `${v} is not a literal value nor a reference to an apigw resource of this stack`);
      const [, typeName, name, attribute] = m as unknown as [string, string, string, string];
      const target = entries.get(`${typeName}.${name}`);
      if (!target) throw new TfJsonInvalidError(file, pointer, `${v} refers to ${typeName}.${name}, which this stack does not define`);
      const value = resolveEntry(target);
      if (attribute === 'id') return resourceId(target.kind, fromTf(resourceTypeOf(target.kind).block, value) as unknown as KindSpecs[Kind]);
      const attr = value[attribute];
      if (typeof attr !== 'string') throw new TfJsonInvalidError(file, pointer, `${v}: ${typeName} has no literal ${attribute}`);
      return attr;
    }
    if (Array.isArray(v)) return v.map((item, i) => resolveValue(item, `${pointer}/${i}`));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = resolveValue(item, `${pointer}/${pointerToken(k)}`);
      return out;
    }
    return v;
  };

  const doc: Record<string, unknown> = { apiVersion: 'apigw/v1', stack: providerStack(tf, file) };
  for (const { collection } of KINDS) doc[collection] = [];
  const places = new Map<string, Place>();
  for (const entry of entries.values()) {
    const spec = fromTf(resourceTypeOf(entry.kind).block, resolveEntry(entry));
    const { collection } = kindInfo(entry.kind);
    const list = doc[collection] as unknown[];
    places.set(`/${collection}/${list.length}`, { kind: entry.kind, pointer: entry.pointer });
    list.push(spec);
  }
  return { document: doc as unknown as GatewayDocumentInput, places };
}

/** The `stack` of the file's apigw provider configuration (one stack per file). */
function providerStack(tf: Record<string, unknown>, file: string): string {
  const provider = (tf['provider'] as Record<string, unknown> | undefined)?.['apigw'];
  const configs = (Array.isArray(provider) ? provider : provider ? [provider] : []) as Record<string, unknown>[];
  const stacks = new Set(configs.map((c) => (typeof c['stack'] === 'string' ? c['stack'] : DEFAULT_STACK)));
  if (stacks.size > 1) throw new TfJsonInvalidError(file, '/provider/apigw', `configures several stacks (${[...stacks].join(', ')}); read one stack per file`);
  const [stack] = stacks;
  if (stack !== undefined && stack.includes('${')) throw new TfJsonInvalidError(file, '/provider/apigw/stack', 'must be a literal stack name');
  return stack ?? DEFAULT_STACK;
}

/** Unknown attributes are mistakes: name them rather than drop them. */
function checkKeys(block: TfBlock, body: Record<string, unknown>, pointer: string, file: string): void {
  const known = new Set([...block.attributes.filter((a) => a.field !== undefined).map((a) => a.name), ...block.blockTypes.map((b) => b.name)]);
  for (const key of Object.keys(body))
    if (!known.has(key)) throw new TfJsonInvalidError(file, `${pointer}/${pointerToken(key)}`, `${key} is not an argument of this resource type`);
  for (const b of block.blockTypes) {
    const v = body[b.name];
    const items = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : [];
    items.forEach((item, i) => {
      if (item && typeof item === 'object') checkKeys(b.block, item as Record<string, unknown>, `${pointer}/${b.name}${Array.isArray(v) ? `/${i}` : ''}`, file);
    });
  }
}

/** Terraform JSON accepts a block as an object or a list of objects: settle each on its nesting. */
function shapeBlocks(block: TfBlock, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  for (const b of block.blockTypes) {
    let v = body[b.name];
    if (v === undefined || v === null) continue;
    if (b.nesting === 'single' && Array.isArray(v)) v = v[0];
    if (b.nesting === 'list' && !Array.isArray(v)) v = [v];
    out[b.name] = Array.isArray(v)
      ? v.map((item) => (item && typeof item === 'object' ? shapeBlocks(b.block, item as Record<string, unknown>) : item))
      : v && typeof v === 'object'
        ? shapeBlocks(b.block, v as Record<string, unknown>)
        : v;
  }
  return out;
}
