import { sign, signedHeaderNames, stringToSign } from '../../src/dataplane';

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
});
