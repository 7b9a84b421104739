import { RouteConflictError, Router } from '../../src/snapshot';

type Row = [method: string, path: string, expected: string | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED', params?: string[], remainder?: string];

function build(routes: [string, string, boolean, string][]): Router<string> {
  const r = new Router<string>();
  for (const [method, path, prefix, name] of routes) r.add(method, path, prefix, name);
  return r;
}

function lookup(r: Router<string>, method: string, path: string): [string, string[]?, string?] {
  const m = r.find(method, path);
  return typeof m === 'string' ? [m] : [m.route.value, m.params, m.remainder];
}

describe('Router priority', () => {
  const router = build([
    ['GET', '/users/me', false, 'me'],
    ['GET', '/users/{id}', false, 'user'],
    ['GET', '/users/{id}/orders/{orderId}', false, 'order'],
    ['GET', '/users', true, 'usersPrefix'],
    ['GET', '/users/{id}/files', true, 'userFiles'],
    ['GET', '/users/me/files', true, 'myFiles'],
    ['ANY', '/any', false, 'any'],
    ['POST', '/any', false, 'anyPost'],
    ['GET', '/', true, 'root'],
    ['POST', '/only-post', false, 'onlyPost'],
  ]);

  const table: Row[] = [
    ['GET', '/users/me', 'me', [], ''],
    ['GET', '/users/42', 'user', ['42'], ''],
    ['GET', '/users/42/', 'user', ['42'], ''],
    ['GET', '//users//42', 'user', ['42'], ''],
    ['GET', '/users/42/orders/7', 'order', ['42', '7'], ''],
    ['GET', '/users', 'usersPrefix', [], ''],
    ['GET', '/users/42/x/y', 'usersPrefix', [], '/42/x/y'],
    ['GET', '/users/42/files/a/b', 'userFiles', ['42'], '/a/b'],
    ['GET', '/users/me/files/a', 'myFiles', [], '/a'],
    ['GET', '/users/me/files', 'myFiles', [], ''],
    ['GET', '/usersX', 'root', [], '/usersX'],
    ['GET', '/any', 'any', [], ''],
    ['DELETE', '/any', 'any', [], ''],
    ['POST', '/any', 'anyPost', [], ''],
    ['GET', '/only-post', 'root', [], '/only-post'],
    ['GET', '/', 'root', [], ''],
  ];

  test.each(table)('%s %s -> %s', (method, path, expected, params, remainder) => {
    const [name, p, rest] = lookup(router, method, path);
    expect(name).toBe(expected);
    if (params !== undefined) expect(p).toEqual(params);
    if (remainder !== undefined) expect(rest).toBe(remainder);
  });

  test('without a prefix fallback a known path with another method is METHOD_NOT_ALLOWED', () => {
    const r = build([['POST', '/things', false, 't'], ['GET', '/x/{id}', false, 'x']]);
    expect(r.find('GET', '/things')).toBe('METHOD_NOT_ALLOWED');
    expect(r.find('GET', '/nothing')).toBe('NOT_FOUND');
    expect(r.find('GET', '/x/1/2')).toBe('NOT_FOUND');
  });

  test('the result does not depend on insertion order', () => {
    const routes: [string, string, boolean, string][] = [
      ['GET', '/a/{x}', false, 'param'],
      ['GET', '/a/b', false, 'exact'],
      ['GET', '/a', true, 'prefix'],
      ['GET', '/a/{x}/c', true, 'paramPrefix'],
      ['GET', '/a/b/c', true, 'longPrefix'],
    ];
    const forward = build(routes);
    const backward = build([...routes].reverse());
    for (const path of ['/a/b', '/a/z', '/a/b/c/d', '/a/z/c/d', '/a/z/q', '/a']) {
      expect(lookup(backward, 'GET', path)).toEqual(lookup(forward, 'GET', path));
    }
    expect(lookup(forward, 'GET', '/a/b')[0]).toBe('exact');
    expect(lookup(forward, 'GET', '/a/z')[0]).toBe('param');
    expect(lookup(forward, 'GET', '/a/b/c/d')[0]).toBe('longPrefix');
    expect(lookup(forward, 'GET', '/a/z/c/d')[0]).toBe('paramPrefix');
    expect(lookup(forward, 'GET', '/a/z/q')[0]).toBe('prefix');
  });

  test('two routes with one method and path shape conflict', () => {
    const r = build([['GET', '/u/{id}', false, 'a']]);
    expect(() => r.add('GET', '/u/{name}', false, 'b')).toThrow(RouteConflictError);
    expect(() => r.add('GET', '/u/{name}', true, 'c')).not.toThrow();
  });

  test('10,000 routes are found', () => {
    const r = new Router<number>();
    for (let i = 0; i < 10_000; i++) r.add('GET', `/svc${i}/items/{id}`, false, i);
    expect(r.size).toBe(10_000);
    const m = r.find('GET', '/svc9876/items/5');
    expect(typeof m === 'object' && m.route.value).toBe(9876);
  });
});
