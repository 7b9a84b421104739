/**
 * How the admin server treats kept-alive connections: a request it refuses
 * before reading the body (401, 404, 405) does not cost the client its
 * connection, so a client reusing it is never reset; only a body the server
 * will not read to its end closes it. Raw sockets, so the test sees exactly
 * what goes over the wire.
 */
import { connect, type Socket } from 'node:net';
import { startHarness, TOKEN, type Harness } from './harness';

/** One socket to the admin port that reads answers one at a time (each has a content-length). */
class Wire {
  private buffer = '';
  private waiting: (() => void) | undefined;
  closed = false;
  error: NodeJS.ErrnoException | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static open(url: string): Promise<Wire> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new Wire(socket)));
      socket.once('error', reject);
    });
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** The next whole answer: status and headers (lower-cased names). */
  async answer(): Promise<{ status: number; headers: Record<string, string> }> {
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end >= 0) {
        const [statusLine, ...lines] = this.buffer.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        if (this.buffer.length >= end + 4 + length) {
          this.buffer = this.buffer.slice(end + 4 + length);
          return { status: Number(statusLine!.split(' ')[1]), headers };
        }
      }
      if (this.closed) throw new Error(`connection closed before a whole answer (${this.error?.code ?? 'no error'})`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  /** Resolves once the server has closed the connection. */
  async end(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => (this.waiting = resolve));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function requestText(method: string, path: string, body?: string, token: string | null = TOKEN): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: admin'];
  if (token !== null) lines.push(`authorization: Bearer ${token}`);
  if (body !== undefined) lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

describe('admin connections', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ adminMaxBodyBytes: 1024 });
  });
  afterAll(() => h.close());

  test.each([
    ['an unknown path', 'GET', '/no/such/path', undefined, TOKEN, 404],
    ['an unknown path with a body', 'POST', '/no/such/path', '{"a":1}', TOKEN, 404],
    ['a method the path does not answer, with a body', 'OPTIONS', '/v1/vpc-accesses', '{"a":[1,2]}', TOKEN, 405],
    ['a missing token, with a body', 'POST', '/v1/batch', '{"operations":[]}', null, 401],
    ['bad percent-encoding in the path', 'GET', '/v1/groups/%E0%A4%A', undefined, TOKEN, 400],
  ])('%s is refused and the connection serves the next request', async (_what, method, path, body, token, status) => {
    const wire = await Wire.open(h.gateway.adminUrl);
    try {
      wire.write(requestText(method, path, body, token));
      const refused = await wire.answer();
      expect(refused.status).toBe(status);
      expect(refused.headers['connection']).not.toBe('close');
      wire.write(requestText('GET', '/v1/state'));
      expect((await wire.answer()).status).toBe(200);
    } finally {
      wire.destroy();
    }
  });

  test('a body sent after the early answer is drained, and the connection serves the next request', async () => {
    const wire = await Wire.open(h.gateway.adminUrl);
    try {
      const body = JSON.stringify({ pad: 'x'.repeat(500) });
      wire.write(requestText('POST', '/no/such/path', body).slice(0, -body.length));
      expect((await wire.answer()).status).toBe(404);
      wire.write(body);
      wire.write(requestText('GET', '/v1/state'));
      expect((await wire.answer()).status).toBe(200);
    } finally {
      wire.destroy();
    }
  });

  test('a declared body over the limit is refused with 413 and the connection closes: its bytes are never read', async () => {
    const wire = await Wire.open(h.gateway.adminUrl);
    try {
      wire.write(requestText('POST', '/v1/batch', '{}').replace('content-length: 2', 'content-length: 4096'));
      const refused = await wire.answer();
      expect(refused.status).toBe(413);
      expect(refused.headers['connection']).toBe('close');
      await wire.end();
    } finally {
      wire.destroy();
    }
  });

  test('idle connections are kept longer than load balancers and clients keep theirs', async () => {
    const wire = await Wire.open(h.gateway.adminUrl);
    try {
      wire.write(requestText('GET', '/v1/state'));
      const answer = await wire.answer();
      expect(answer.headers['keep-alive']).toBe('timeout=65');
    } finally {
      wire.destroy();
    }
  });
});
