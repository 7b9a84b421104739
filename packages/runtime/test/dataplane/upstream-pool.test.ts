/**
 * The upstream pool against backends on raw TCP that send interim answers
 * the gateway did not ask for: a 100 is passed over wherever the bytes are
 * cut, other 1xx still reach the handler, a reused connection is read the
 * same way for every request, and bytes inside a final answer are never
 * taken for an interim answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { createUpstreamPool } from '../../src/dataplane/backends/upstream-pool';

interface Got {
  statuses: number[];
  headers: IncomingHttpHeaders[];
  body: string;
}

/** One exchange through the pool with a handler that records every answer head, as the proxy's does. */
function exchange(pool: Dispatcher, opts: { path?: string; method?: Dispatcher.HttpMethod; body?: string } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const got: Got = { statuses: [], headers: [], body: '' };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: () => undefined,
      onResponseStart(_controller, statusCode, headers) {
        got.statuses.push(statusCode);
        got.headers.push(headers);
      },
      onResponseData(_controller, chunk) {
        got.body += chunk.toString('latin1');
      },
      onResponseEnd: () => resolve(got),
      onResponseError: (_controller, err) => reject(err),
    };
    pool.dispatch({ path: opts.path ?? '/', method: opts.method ?? 'GET', body: opts.body ?? null, headers: { host: 'backend' } }, handler);
  });
}

/**
 * A raw backend: `answer` is called with each request's head and body and
 * writes what it likes; for a body that arrives after its head it is also
 * called once before, with a null body.
 */
async function rawBackend(answer: (socket: Socket, head: string, body: string | null) => void): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    let buffered = '';
    let headSeen = false;
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      buffered += d;
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) {
          if (!headSeen) answer(s, head, null);
          headSeen = true;
          return;
        }
        headSeen = false;
        const body = buffered.slice(end + 4, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        answer(s, head, body);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Writes `text` one byte per write, each in its own turn of the event loop, so the reader meets every cut. */
async function dribble(socket: Socket, text: string): Promise<void> {
  socket.setNoDelay(true);
  for (let i = 0; i < text.length; i++) {
    socket.write(text[i]!, 'latin1');
    await new Promise<void>((r) => setImmediate(r));
  }
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

describe('upstream pool', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of closers) await c();
  });
  const start = async (answer: Parameters<typeof rawBackend>[0]): Promise<{ pool: Dispatcher; connections: () => number }> => {
    const backend = await rawBackend(answer);
    const pool = createUpstreamPool(backend.url, null);
    closers.push(() => pool.close(), backend.close);
    return { pool, connections: backend.connections };
  };

  test('a 100 is passed over and a 103 still reaches the handler, however the bytes are cut', async () => {
    const { pool } = await start((s) => {
      void dribble(s, `${CONTINUE}HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.0 100 Continue\r\nX-Note: again\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone`);
    });
    const got = await exchange(pool);
    expect(got.statuses).toEqual([103, 200]);
    expect(got.headers[0]!.link).toBe('</a.css>; rel=preload');
    expect(got.body).toBe('done');
  });

  test('every request on a reused connection has its 100 passed over, and a body that looks like a 100 is relayed intact', async () => {
    let served = 0;
    const { pool, connections } = await start((s) => {
      served++;
      // The body starts a write of its own, so it arrives where an answer could have started.
      s.write(`${CONTINUE}HTTP/1.1 200 OK\r\nContent-Length: ${CONTINUE.length + 2}\r\n\r\n`, 'latin1');
      setImmediate(() => s.write(`${CONTINUE}#${served}`, 'latin1'));
    });
    for (let i = 1; i <= 3; i++) {
      const got = await exchange(pool);
      expect(got).toEqual({ statuses: [200], headers: [expect.any(Object)], body: `${CONTINUE}#${i}` });
      // undici hands a connection back one turn of the event loop after its answer ends.
      await new Promise<void>((r) => setImmediate(r));
    }
    expect(connections()).toBe(1);
  });

  test('a backend that says 100 before it reads the body gets the body, and its answer is relayed', async () => {
    const { pool } = await start((s, _head, body) => {
      if (body === null) s.write(CONTINUE, 'latin1');
      else s.write(`HTTP/1.1 201 Created\r\nContent-Length: ${String(body.length).length}\r\n\r\n${body.length}`, 'latin1');
    });
    const payload = 'x'.repeat(256 * 1024);
    const got = await exchange(pool, { method: 'POST', body: payload });
    expect(got).toEqual({ statuses: [201], headers: [expect.any(Object)], body: String(payload.length) });
  });

  test('a 101 and a 100 head without end still fail the exchange as undici fails them', async () => {
    const { pool: switching } = await start((s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: upgrade\r\n\r\n', 'latin1'));
    await expect(exchange(switching)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET', message: 'bad upgrade' });
    const { pool: endless } = await start((s) => {
      s.write('HTTP/1.1 100 Continue\r\n', 'latin1');
      const line = `X-Pad: ${'p'.repeat(1000)}\r\n`;
      const more = (): void => {
        if (!s.destroyed) s.write(line, 'latin1', more);
      };
      more();
    });
    await expect(exchange(endless)).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_OVERFLOW' });
  });
});
