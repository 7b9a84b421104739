/**
 * The request object of the data plane's servers: Node's IncomingMessage
 * with a cheaper `req.headers`.
 *
 * Node builds `req.headers` for every HTTP/1.1 request (its server reads
 * `headers.expect` before the request handler runs), field by field: each
 * name is matched against Node's table of known fields, lowercased, tagged
 * with a flag byte and sliced again (two strings per field), and the
 * resulting key internalized on every store. The gateway's requests repeat
 * the same few spellings of names (`Host`, `x-ca-key`,
 * `X-Ca-Signature-Headers`), so what Node decides for a name — the key it
 * stores under and how a repeated field combines — is asked of Node once
 * and kept: the object built is the one Node would build, key for key and
 * value for value.
 */
import { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** How a repeated field combines, as Node's `_addHeaderLine` does it. */
const enum Combine {
  /** Joined with `, ` (`x-*`, Accept, Cache-Control...). */
  Comma,
  /** Collected in an array (Set-Cookie). */
  List,
  /** Joined with `; ` (Cookie). */
  Semicolon,
  /** The first one wins (Host, Content-Type...), unless the server joins duplicates. */
  First,
}

/** What Node does with one spelling of a field name. */
interface FieldRule {
  /** The key of `req.headers` (lowercased, internalized). */
  readonly key: string;
  readonly combine: Combine;
}

/** Node's own per-field step: the reference the cached rules are read from, and the path for names without one. */
type AddHeaderLine = (this: { joinDuplicateHeaders?: boolean }, field: string, value: string, dest: Record<string, unknown>) => void;
const addHeaderLine = (IncomingMessage.prototype as unknown as { _addHeaderLine?: AddHeaderLine })._addHeaderLine as AddHeaderLine;

/**
 * Rules by name as sent. Names come from clients: the cache keeps names of
 * at most MAX_CACHED_NAME characters and stops growing at MAX_RULES
 * spellings (other names take Node's path, which costs what it always
 * did), so no client can make it hold more than about 32 KiB of names.
 */
const rules = new Map<string, FieldRule | null>();
const MAX_RULES = 512;
const MAX_CACHED_NAME = 64;

/**
 * Asks Node what it does with a name: two fields of that name added to an
 * empty object with Node's own `_addHeaderLine` show the key and how they
 * combine. Null when the outcome is not one of the four (a name Node drops,
 * such as `__proto__`): such a name always takes Node's path.
 */
function ruleOf(name: string): FieldRule | null {
  const probe: Record<string, unknown> = {};
  const self = { joinDuplicateHeaders: false };
  addHeaderLine.call(self, name, 'a', probe);
  addHeaderLine.call(self, name, 'b', probe);
  const keys = Object.keys(probe);
  if (keys.length !== 1) return null;
  const key = keys[0]!;
  const v = probe[key];
  let combine: Combine;
  if (Array.isArray(v)) {
    if (v.length !== 2 || v[0] !== 'a' || v[1] !== 'b') return null;
    combine = Combine.List;
  } else if (v === 'a, b') combine = Combine.Comma;
  else if (v === 'a; b') combine = Combine.Semicolon;
  else if (v === 'a') combine = Combine.First;
  else return null;
  return { key, combine };
}

function ruleFor(name: string): FieldRule | null {
  let rule = rules.get(name);
  if (rule === undefined) {
    if (name.length > MAX_CACHED_NAME || rules.size >= MAX_RULES) return null;
    rule = ruleOf(name);
    rules.set(name, rule);
  }
  return rule;
}

/** Set by Node's server from its `joinDuplicateHeaders` option. */
type ServedRequest = IncomingMessage & { joinDuplicateHeaders?: boolean };

/** `req.headers` from the raw list, as Node's getter builds it. */
function buildHeaders(req: ServedRequest): IncomingHttpHeaders {
  const raw = req.rawHeaders;
  const dest: Record<string, unknown> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const rule = ruleFor(name);
    if (rule === null) {
      addHeaderLine.call(req, name, value, dest);
      continue;
    }
    const key = rule.key;
    const had = dest[key];
    switch (rule.combine) {
      case Combine.Comma:
        dest[key] = typeof had === 'string' ? had + ', ' + value : value;
        break;
      case Combine.Semicolon:
        dest[key] = typeof had === 'string' ? had + '; ' + value : value;
        break;
      case Combine.List:
        if (had !== undefined) (had as string[]).push(value);
        else dest[key] = [value];
        break;
      case Combine.First:
        if (had === undefined) dest[key] = value;
        else if (req.joinDuplicateHeaders) dest[key] = had + ', ' + value;
        break;
    }
  }
  return dest as IncomingHttpHeaders;
}

const HEADERS = Symbol('apigw.headers');

/**
 * The request class the data plane's servers use: GatewayRequest, or
 * Node's own IncomingMessage on a Node whose IncomingMessage has no
 * `_addHeaderLine` to read the rules from (the behaviour is the same; only
 * the saving is lost).
 */
export function requestClass(): typeof IncomingMessage {
  return typeof addHeaderLine === 'function' ? GatewayRequest : IncomingMessage;
}

/**
 * The data plane's request class (the `IncomingMessage` option of its
 * servers): `headers` built from `rawHeaders` on first read with the
 * cached rules, and assignable as Node's is.
 */
export class GatewayRequest extends IncomingMessage {
  [HEADERS]: IncomingHttpHeaders | null = null;
}

// An accessor over IncomingMessage's own accessor (TypeScript types `headers` as a plain field).
Object.defineProperty(GatewayRequest.prototype, 'headers', {
  configurable: true,
  enumerable: false,
  get(this: GatewayRequest): IncomingHttpHeaders {
    let headers = this[HEADERS];
    if (headers === null) this[HEADERS] = headers = buildHeaders(this);
    return headers;
  },
  set(this: GatewayRequest, value: IncomingHttpHeaders) {
    this[HEADERS] = value;
  },
});
