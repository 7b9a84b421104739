/**
 * The data plane's request class builds `req.headers` from cached per-name
 * rules: the object must be the one Node's own IncomingMessage builds for
 * the same bytes, key for key (in order) and value for value, whatever the
 * names' case, repetitions and kinds (joined, first wins, Cookie, Set-Cookie,
 * names Node drops), with and without `joinDuplicateHeaders`.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { GatewayRequest, requestClass } from '../../src/dataplane/incoming';

interface Seen {
  readonly headers: IncomingHttpHeaders;
  readonly keys: string[];
}

/** A server answering 204 that records the `req.headers` of each request. */
async function recorder(options: { gateway: boolean; joinDuplicateHeaders: boolean }): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(
    { joinDuplicateHeaders: options.joinDuplicateHeaders, requireHostHeader: false, ...(options.gateway ? { IncomingMessage: GatewayRequest } : {}) },
    (req, res) => {
      const headers = req.headers;
      // Read twice: the second read returns the object built by the first.
      if (req.headers !== headers) throw new Error('req.headers built twice');
      seen.push({ headers: { ...headers }, keys: Object.keys(headers) });
      res.writeHead(204).end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

/** Sends one request head over a fresh connection and waits for the answer. */
function send(port: number, fields: readonly (readonly [string, string])[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = 'GET / HTTP/1.1\r\n';
    for (const [name, value] of fields) head += `${name}: ${value}\r\n`;
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('error', reject);
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer.slice(0, answer.indexOf('\r\n'))));
    socket.end(head + 'Connection: close\r\n\r\n');
  });
}

/** Field names of every kind Node distinguishes, in several spellings (values are not lengths: no Content-Length). */
const NAMES = [
  'Host', 'host', 'HOST',
  'Accept', 'accept', 'ACCEPT',
  'Content-Type', 'content-type',
  'User-Agent', 'user-agent',
  'Cookie', 'cookie',
  'Set-Cookie', 'set-cookie',
  'X-Forwarded-For', 'x-forwarded-for',
  'Authorization', 'authorization',
  'X-Ca-Key', 'x-ca-key', 'X-CA-KEY',
  'X-Ca-Signature-Headers', 'x-ca-signature',
  'Cache-Control', 'If-None-Match', 'Date', 'Expect-Ct', 'Referer', 'Origin',
  'constructor', '__proto__', 'toString', 'hasOwnProperty', 'Transfer-Encoding-Not',
  'x-custom', 'X-Custom', 'Foo', 'foo',
  // Longer than the names the cache keeps: Node's own path.
  'X-' + 'Long'.repeat(20), 'x-' + 'long'.repeat(20),
];

/** Deterministic pseudo-random numbers (the same lists on every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

function lists(): (readonly (readonly [string, string])[])[] {
  const out: (readonly (readonly [string, string])[])[] = [
    [['Host', 'a.example']],
    [['Host', 'a.example'], ['host', 'b.example']],
    [['Cookie', 'a=1'], ['cookie', 'b=2'], ['COOKIE', 'c=3']],
    [['Set-Cookie', 'a=1'], ['set-cookie', 'b=2']],
    [['X-Forwarded-For', '10.0.0.1'], ['x-forwarded-for', '10.0.0.2']],
    [['__proto__', 'x'], ['constructor', 'y'], ['constructor', 'z']],
    [['Host', 'h'], ['accept', 'application/json'], ['x-ca-key', '203999999'], ['x-ca-signature-headers', 'x-ca-key'], ['x-ca-signature', 'abc=']],
  ];
  const next = lcg(17);
  for (let n = 0; n < 60; n++) {
    const fields: [string, string][] = [];
    const count = 1 + Math.floor(next() * 12);
    for (let i = 0; i < count; i++) fields.push([NAMES[Math.floor(next() * NAMES.length)]!, `v${n}-${i}`]);
    out.push(fields);
  }
  return out;
}

describe('GatewayRequest', () => {
  for (const joinDuplicateHeaders of [false, true]) {
    it(`builds the headers Node builds for the same head (joinDuplicateHeaders ${joinDuplicateHeaders})`, async () => {
      const node = await recorder({ gateway: false, joinDuplicateHeaders });
      const gateway = await recorder({ gateway: true, joinDuplicateHeaders });
      try {
        const all = lists();
        // Each list twice: the second time the rules come from the cache.
        for (let round = 0; round < 2; round++) {
          for (const fields of all) {
            expect(await send(node.port, fields)).toBe('HTTP/1.1 204 No Content');
            expect(await send(gateway.port, fields)).toBe('HTTP/1.1 204 No Content');
          }
        }
        expect(gateway.seen).toHaveLength(all.length * 2);
        expect(gateway.seen).toEqual(node.seen);
        // The lists do exercise every kind of field.
        const merged = Object.assign({}, ...node.seen.map((s) => s.headers)) as IncomingHttpHeaders;
        expect(Array.isArray(merged['set-cookie'])).toBe(true);
        expect(node.seen.some((s) => typeof s.headers.cookie === 'string' && s.headers.cookie.includes('; '))).toBe(true);
        expect(node.seen.some((s) => typeof s.headers['x-forwarded-for'] === 'string' && s.headers['x-forwarded-for'].includes(', '))).toBe(true);
      } finally {
        node.server.close();
        gateway.server.close();
      }
    });
  }

  it("is the data plane's request class on this Node", () => {
    expect(requestClass()).toBe(GatewayRequest);
  });

  it('lets req.headers be replaced, as Node does', async () => {
    const seen: unknown[] = [];
    const server = createServer({ IncomingMessage: GatewayRequest, requireHostHeader: false }, (req, res) => {
      req.headers = { replaced: 'yes' };
      seen.push(req.headers);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await send((server.address() as AddressInfo).port, [['Host', 'h']]);
      expect(seen).toEqual([{ replaced: 'yes' }]);
    } finally {
      server.close();
    }
  });
});
