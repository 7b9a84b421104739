import { createHmac, createSecretKey } from 'node:crypto';
import { sign, signedHeaderNames, stringToSign } from '../../src/dataplane';
import { signatureBase64, signatureDigest, SigningKey } from '../../src/dataplane/signature';

const common = { 'x-ca-key': 'appKey', 'x-ca-signature-headers': 'x-ca-key,x-ca-nonce,x-ca-timestamp' };

describe('Alibaba signature', () => {
  test('published vector 1: GET with signed x-ca headers', () => {
    const r = {
      method: 'GET',
      headers: { ...common, accept: 'application/json', 'content-type': 'application/json', 'x-ca-timestamp': '1646365291734', 'x-ca-nonce': '787dd0c2-7bd8-41cd-9c19-62c05ea524a2' },
      path: '/Third/Tools/checkSign',
      query: null,
      form: null,
    };
    expect(stringToSign(r)).toBe(
      'GET\napplication/json\n\napplication/json\n\nx-ca-key:appKey\nx-ca-nonce:787dd0c2-7bd8-41cd-9c19-62c05ea524a2\nx-ca-timestamp:1646365291734\n/Third/Tools/checkSign',
    );
    expect(sign('HmacSHA256', 'appSecret', r)).toBe('EdJSFAMOWyXZOpXhevZnjuS0ZafnwnCqaSk5hz+tXo8=');
  });

  test('published vector 2: POST form, parameters merged and sorted', () => {
    const r = {
      method: 'POST',
      headers: {
        ...common,
        accept: 'application/json',
        'content-type': 'application/x-www-form-urlencoded',
        'x-ca-timestamp': '1646646682418',
        'x-ca-nonce': 'ca5a6753-b76c-4fff-a9d9-e5bb643e8cdf',
      },
      path: '/Third/User/getNyAccessToken',
      query: null,
      form: { nickname: 'nickname', room_id: '6893', uuid: 'uuid', photo: 'photo' },
    };
    expect(stringToSign(r).split('\n').pop()).toBe('/Third/User/getNyAccessToken?nickname=nickname&photo=photo&room_id=6893&uuid=uuid');
    expect(sign('HmacSHA256', 'appSecret', r)).toBe('gmf9xq0hc95Hmt+7G+OocS009ka3v1v0rvfshKzYc3w=');
  });

  test('empty values are written as the key alone; form values override query values', () => {
    const text = stringToSign({ method: 'GET', headers: {}, path: '/p', query: { b: '', a: '1', c: 'q' }, form: { c: 'f' } });
    expect(text).toBe('GET\n\n\n\n\n/p?a=1&b&c=f');
  });

  test('signed header list is lowercased, sorted, deduplicated and never includes the fixed lines', () => {
    expect(signedHeaderNames('X-Ca-Timestamp, x-ca-key,Accept,content-md5,x-ca-key,X-Ca-Signature')).toEqual(['x-ca-key', 'x-ca-timestamp']);
  });

  test('HmacSHA1 produces a 20-byte digest', () => {
    const s = sign('HmacSHA1', 'appSecret', { method: 'GET', headers: {}, path: '/', query: null, form: null });
    expect(Buffer.from(s, 'base64')).toHaveLength(20);
  });

  test('a SigningKey computes the HMAC createHmac computes, for any secret length and any text', () => {
    // Secrets shorter than, as long as and longer than the 64-byte block (a longer one is hashed first), non-ASCII ones included.
    const secrets = ['', 'appSecret', 'k'.repeat(64), 'long-secret-'.repeat(9), 'Geheimnis-ß-密钥'];
    // Texts: empty, ASCII, multi-byte UTF-8 (2, 3 and 4 bytes a character), and longer than any reused buffer.
    const texts = ['', 'GET\napplication/json\n\n\n\nx-ca-key:appKey\n/p', '/pfad?name=Grüße&city=東京&emoji=😀', 'a'.repeat(70_000), 'é'.repeat(30_000)];
    for (const secret of secrets) {
      const key = new SigningKey(secret);
      for (const text of texts) {
        for (const [method, algorithm] of [['HmacSHA256', 'sha256'], ['HmacSHA1', 'sha1']] as const) {
          const expected = createHmac(algorithm, Buffer.from(secret, 'utf8')).update(text, 'utf8').digest();
          expect(key.digest(method, text)).toEqual(expected);
          expect(key.base64(method, text)).toBe(expected.toString('base64'));
        }
      }
      // A short text after a long one: nothing of the longer one is left in what is hashed.
      expect(key.base64('HmacSHA256', 'x')).toBe(createHmac('sha256', secret).update('x').digest('base64'));
    }
  });

  test('a secret given as a string, a KeyObject or a SigningKey signs the same', () => {
    const text = stringToSign({ method: 'GET', headers: { 'x-ca-key': 'appKey', 'x-ca-signature-headers': 'x-ca-key' }, path: '/p', query: { q: '1' }, form: null });
    const bytes = signatureDigest('HmacSHA256', 'appSecret', text);
    expect(signatureBase64('HmacSHA256', createSecretKey(Buffer.from('appSecret')), text)).toBe(bytes.toString('base64'));
    expect(signatureBase64('HmacSHA256', new SigningKey('appSecret'), text)).toBe(bytes.toString('base64'));
    expect(signatureBase64('HmacSHA256', new SigningKey('appSecreT'), text)).not.toBe(bytes.toString('base64'));
  });
});
