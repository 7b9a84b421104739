/**
 * CORS on its own: preflight answers, response headers, wildcard and
 * credentials, and the disallowed origin that gets nothing.
 */
import type { Cors } from '@apigw/schema';
import { compileCors, isPreflight, preflight, responseHeaders, } from '../../../src/dataplane/plugins/cors';

const BASE: Cors = {
  allowOrigins: ['https://shop.example'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['Content-Type', 'X-Ca-Key'],
  exposeHeaders: ['X-Ca-Request-Id'],
  maxAge: 600,
  allowCredentials: false,
};

function asMap(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < pairs.length; i += 2) out[pairs[i]!] = pairs[i + 1]!;
  return out;
}

describe('CORS', () => {
  test('a preflight from an allowed origin for allowed method and headers gets the Access-Control-* headers', () => {
    const policy = compileCors(BASE);
    const answer = preflight(policy, 'https://shop.example', 'POST', 'content-type,x-ca-key');
    expect(Array.isArray(answer)).toBe(true);
    expect(asMap(answer as string[])).toEqual({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Content-Type, X-Ca-Key',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
  });

  test('a preflight is refused for another origin, method or header', () => {
    const policy = compileCors(BASE);
    expect(preflight(policy, 'https://evil.example', 'GET', undefined)).toBe('origin https://evil.example is not allowed');
    expect(preflight(policy, undefined, 'GET', undefined)).toBe('origin (none) is not allowed');
    expect(preflight(policy, 'https://shop.example', 'DELETE', undefined)).toBe('method DELETE is not allowed');
    expect(preflight(policy, 'https://shop.example', 'GET', 'x-secret')).toBe('header x-secret is not allowed');
  });

  test('answers to an allowed origin carry the origin and exposed headers; others get none', () => {
    const policy = compileCors(BASE);
    expect(asMap(responseHeaders(policy, 'https://SHOP.example')!)).toEqual({
      'access-control-allow-origin': 'https://SHOP.example',
      'access-control-expose-headers': 'X-Ca-Request-Id',
      vary: 'Origin',
    });
    expect(responseHeaders(policy, 'https://evil.example')).toBeNull();
    expect(responseHeaders(policy, undefined)).toBeNull();
  });

  test('a wildcard answers *, and is never used with credentials', () => {
    const any = compileCors({ ...BASE, allowOrigins: ['*'] });
    expect(asMap(responseHeaders(any, 'https://x.example')!)['access-control-allow-origin']).toBe('*');
    const withCredentials = compileCors({ ...BASE, allowOrigins: ['*', 'https://shop.example'], allowCredentials: true });
    expect(responseHeaders(withCredentials, 'https://x.example')).toBeNull();
    const listed = asMap(responseHeaders(withCredentials, 'https://shop.example')!);
    expect(listed['access-control-allow-origin']).toBe('https://shop.example');
    expect(listed['access-control-allow-credentials']).toBe('true');
  });

  test('isPreflight needs OPTIONS, Origin and Access-Control-Request-Method', () => {
    expect(isPreflight('OPTIONS', { origin: 'https://a', 'access-control-request-method': 'GET' })).toBe(true);
    expect(isPreflight('OPTIONS', { origin: 'https://a' })).toBe(false);
    expect(isPreflight('GET', { origin: 'https://a', 'access-control-request-method': 'GET' })).toBe(false);
  });
});
