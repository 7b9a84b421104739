/**
 * Terraform values as the plugin protocol carries them (msgpack
 * DynamicValues, unknown values as extensions) and their conversion to and
 * from the document's resource specs.
 */
import { decode, encode, ExtData, ExtensionCodec } from '@msgpack/msgpack';
import { pointerToken } from '@apigw/schema';
import type { TfAttribute, TfBlock, TfBlockType, TfType } from './provider-schema';

/**
 * Terraform values as the plugin protocol carries them, and their
 * conversion to and from the document's resource specs.
 *
 * A value is msgpack (a DynamicValue): objects are maps keyed by attribute
 * name, null is nil, and a value Terraform does not know yet is a msgpack
 * extension (code 0 as Terraform writes it; any extension code is read as
 * unknown, so refined unknowns are understood too).
 */

/** A value Terraform will only know after apply. */
export const UNKNOWN: unique symbol = Symbol('unknown');

/** A Terraform value decoded from msgpack or JSON. */
export type TfValue = null | string | number | boolean | typeof UNKNOWN | TfValue[] | TfObject;

/** A Terraform object value (a resource or a block). */
export interface TfObject {
  [name: string]: TfValue;
}

/** One step of a Terraform attribute path (the protocol's AttributePath.Step). */
export type PathStep = { attribute_name: string } | { element_key_string: string } | { element_key_int: number };

const codec = new ExtensionCodec();
codec.register({
  type: 0,
  encode: (input: unknown) => (input === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});

/** msgpack bytes of a value (unknowns as extension 0, exactly as Terraform writes them). */
export function encodeValue(value: TfValue): Buffer {
  const bytes = encode(value, { extensionCodec: codec });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A value from msgpack bytes; any extension is an unknown. */
export function decodeValue(bytes: Uint8Array): TfValue {
  if (bytes.length === 0) return null;
  return normalizeDecoded(decode(bytes, { extensionCodec: codec }));
}

function normalizeDecoded(v: unknown): TfValue {
  if (v === UNKNOWN || v instanceof ExtData) return UNKNOWN;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normalizeDecoded);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v instanceof Map) {
    const out: TfObject = {};
    for (const [k, item] of v) out[String(k)] = normalizeDecoded(item);
    return out;
  }
  const out: TfObject = {};
  for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = normalizeDecoded(item);
  return out;
}

/** The value of a DynamicValue (msgpack preferred, JSON accepted); null when empty. */
export function fromDynamic(dv: { msgpack?: Uint8Array | null; json?: Uint8Array | null } | null | undefined): TfValue {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return decodeValue(dv.msgpack);
  if (dv.json && dv.json.length > 0) return normalizeDecoded(JSON.parse(Buffer.from(dv.json).toString('utf8')));
  return null;
}

/** A DynamicValue carrying `value`. */
export function toDynamic(value: TfValue): { msgpack: Buffer } {
  return { msgpack: encodeValue(value) };
}

/** True for a Terraform object value. */
export function isObject(v: TfValue | undefined): v is TfObject {
  return v !== null && v !== undefined && v !== UNKNOWN && typeof v === 'object' && !Array.isArray(v);
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: TfValue): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (isObject(v)) return Object.values(v).some(containsUnknown);
  return false;
}

function docToTf(type: TfType, v: unknown): TfValue {
  if (v === undefined || v === null) return null;
  if (typeof type === 'string') return v as TfValue;
  const [collection, element] = type;
  if (collection === 'map') {
    const out: TfObject = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = docToTf(element, item);
    return out;
  }
  return (v as unknown[]).map((item) => docToTf(element, item));
}

/**
 * A document spec (or a part of one) as a Terraform object of `block`:
 * every attribute present (null when the spec has no value), list blocks as
 * lists, absent single blocks as null. Attributes only Terraform has are null.
 */
export function toTf(block: TfBlock, spec: Readonly<Record<string, unknown>> | undefined): TfObject {
  const out: TfObject = {};
  for (const a of block.attributes) out[a.name] = a.field === undefined || !spec ? null : docToTf(a.type, spec[a.field]);
  for (const b of block.blockTypes) {
    const v = spec?.[b.field];
    if (b.nesting === 'single') out[b.name] = v && typeof v === 'object' ? toTf(b.block, v as Record<string, unknown>) : null;
    else out[b.name] = Array.isArray(v) ? v.map((item) => toTf(b.block, item as Record<string, unknown>)) : [];
  }
  return out;
}

function tfToDoc(type: TfType, v: TfValue, pointer: string, unknowns: string[]): unknown {
  if (v === UNKNOWN) {
    unknowns.push(pointer);
    return undefined;
  }
  if (v === null) return undefined;
  if (typeof type === 'string') return v;
  const [collection, element] = type;
  if (collection === 'map' && isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      const converted = tfToDoc(element, item, `${pointer}/${pointerToken(k)}`, unknowns);
      if (converted !== undefined) out[k] = converted;
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    v.forEach((item, i) => {
      const converted = tfToDoc(element, item, `${pointer}/${i}`, unknowns);
      if (converted !== undefined) out.push(converted);
    });
    return out;
  }
  return v;
}

/**
 * A Terraform object of `block` as a document spec: null attributes and
 * absent blocks are left out (so the schema's defaults apply), unknown
 * values are left out and their JSON pointers pushed to `unknowns`.
 */
export function fromTf(block: TfBlock, obj: TfObject, pointer = '', unknowns: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of block.attributes) {
    if (a.field === undefined) continue;
    const converted = tfToDoc(a.type, obj[a.name] ?? null, `${pointer}/${pointerToken(a.field)}`, unknowns);
    if (converted !== undefined) out[a.field] = converted;
  }
  for (const b of block.blockTypes) {
    const v = obj[b.name] ?? null;
    const at = `${pointer}/${pointerToken(b.field)}`;
    if (v === UNKNOWN) unknowns.push(at);
    else if (b.nesting === 'single' && isObject(v)) out[b.field] = fromTf(b.block, v, at, unknowns);
    else if (b.nesting === 'list' && Array.isArray(v) && v.length > 0)
      out[b.field] = v.map((item, i) => (item === UNKNOWN ? (unknowns.push(`${at}/${i}`), {}) : fromTf(b.block, item as TfObject, `${at}/${i}`, unknowns)));
  }
  return out;
}

/**
 * The planned value of a block from its configuration: what the
 * configuration says, with the schema default for every optional+computed
 * attribute it leaves out. Attributes only Terraform has stay as configured
 * (null); the caller plans them.
 */
export function planBlock(block: TfBlock, config: TfObject): TfObject {
  const out: TfObject = {};
  for (const a of block.attributes) {
    const v = config[a.name] ?? null;
    out[a.name] = v === null && a.computed && a.default !== undefined ? docToTf(a.type, a.default) : v;
  }
  for (const b of block.blockTypes) {
    const v = config[b.name] ?? (b.nesting === 'list' ? [] : null);
    if (b.nesting === 'single') out[b.name] = isObject(v) ? planBlock(b.block, v) : v;
    else out[b.name] = Array.isArray(v) ? v.map((item) => (isObject(item) ? planBlock(b.block, item) : item)) : v;
  }
  return out;
}

/**
 * `value` reshaped to exactly the attributes and blocks of `block`: missing
 * ones become null (list blocks: empty), unknown keys are dropped. Used for
 * state written by an older provider or read from JSON.
 */
export function conform(block: TfBlock, value: TfValue): TfObject {
  const obj = isObject(value) ? value : {};
  const out: TfObject = {};
  for (const a of block.attributes) out[a.name] = obj[a.name] ?? null;
  for (const b of block.blockTypes) {
    const v = obj[b.name] ?? null;
    if (b.nesting === 'single') out[b.name] = isObject(v) ? conform(b.block, v) : null;
    else out[b.name] = Array.isArray(v) ? v.map((item) => conform(b.block, item)) : [];
  }
  return out;
}

/**
 * `live` with every sensitive attribute the gateway did not return taken
 * from `prior` (same position): a secret is written, never read back.
 */
export function keepSecrets(block: TfBlock, live: TfObject, prior: TfObject | undefined): TfObject {
  if (!prior) return live;
  const out: TfObject = { ...live };
  for (const a of block.attributes) if (a.sensitive && a.field !== undefined && out[a.name] === null) out[a.name] = prior[a.name] ?? null;
  for (const b of block.blockTypes) {
    const v = out[b.name];
    const p = prior[b.name];
    if (b.nesting === 'single' && isObject(v)) out[b.name] = keepSecrets(b.block, v, isObject(p) ? p : undefined);
    if (b.nesting === 'list' && Array.isArray(v))
      out[b.name] = v.map((item, i) => (isObject(item) ? keepSecrets(b.block, item, Array.isArray(p) && isObject(p[i]) ? (p[i] as TfObject) : undefined) : item));
  }
  return out;
}

/** Equality of two values of an attribute; sets compare without order; unknown equals nothing. */
export function attributeEqual(attr: Pick<TfAttribute, 'type'>, a: TfValue, b: TfValue): boolean {
  if (containsUnknown(a) || containsUnknown(b)) return false;
  if (Array.isArray(attr.type) && attr.type[0] === 'set' && Array.isArray(a) && Array.isArray(b)) {
    const key = (v: TfValue) => JSON.stringify(v);
    return a.length === b.length && [...a].map(key).sort().join('\n') === [...b].map(key).sort().join('\n');
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The Terraform attribute path of a JSON pointer into a resource's spec
 * (`/request/parameters/0/name` -> request.parameters[0].name). Stops at the
 * deepest step Terraform can address (a set element cannot be).
 */
export function pointerToPath(block: TfBlock, pointer: string): PathStep[] {
  const tokens = pointer
    .split('/')
    .slice(1)
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const steps: PathStep[] = [];
  let current: TfBlock | undefined = block;
  for (let i = 0; i < tokens.length && current; i++) {
    const token = tokens[i] as string;
    const attr: TfAttribute | undefined = current.attributes.find((a) => a.field === token);
    if (attr) {
      steps.push({ attribute_name: attr.name });
      const next = tokens[i + 1];
      if (next !== undefined && Array.isArray(attr.type)) {
        if (attr.type[0] === 'list' && /^\d+$/.test(next)) steps.push({ element_key_int: Number(next) });
        if (attr.type[0] === 'map') steps.push({ element_key_string: next });
      }
      break;
    }
    const bt: TfBlockType | undefined = current.blockTypes.find((b) => b.field === token);
    if (!bt) break;
    steps.push({ attribute_name: bt.name });
    current = bt.block;
    if (bt.nesting === 'list') {
      const next = tokens[i + 1];
      if (next === undefined || !/^\d+$/.test(next)) break;
      steps.push({ element_key_int: Number(next) });
      i++;
    }
  }
  return steps;
}

/** A path written the way Terraform prints it: `request.parameters[0].name`. */
export function formatPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const s of steps) {
    if ('attribute_name' in s) out += out ? `.${s.attribute_name}` : s.attribute_name;
    else if ('element_key_int' in s) out += `[${s.element_key_int}]`;
    else out += `[${JSON.stringify(s.element_key_string)}]`;
  }
  return out;
}
