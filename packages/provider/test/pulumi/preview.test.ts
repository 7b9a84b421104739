/**
 * What `pulumi preview` sees while referenced resources do not exist yet:
 * their outputs reach check and diff as Pulumi's unknown value. Neither
 * call may contact the gateway.
 */
import * as pulumi from '@pulumi/pulumi';
import { ResourceLifecycle } from '@apigw/provider/pulumi';

const UNKNOWN = pulumi.runtime.unknownValue;
const offline = () => {
  throw new Error('check and diff must not contact the gateway');
};
const settings = { endpoint: 'http://127.0.0.1:1', token: 't' };

const state = {
  group: 'shop',
  name: 'getUser',
  auth: { type: 'APP', appCode: 'DISABLED', signatureMethod: 'HmacSHA256', antiReplay: false },
  request: { protocols: ['HTTP'], method: 'GET', path: '/users', matchAllChildPaths: false, mode: 'PASSTHROUGH', parameters: [] },
  backend: { service: 'users', path: '/users', method: 'ANY', timeoutMs: 10000, constantParameters: [], systemParameters: [] },
  stages: ['RELEASE'],
  stack: 'shop',
  digest: 'd1',
  published: { RELEASE: { digest: 'd1', publishedAt: '2026-01-01T00:00:00.000Z' } },
};

describe('preview with values not known yet', () => {
  const api = new ResourceLifecycle('api', { settings, client: offline });

  it('check skips the unknown values but still names a wrong known field', async () => {
    const news = { group: UNKNOWN, name: 'getUser', request: { method: 'GET', path: '/users' }, backend: { service: UNKNOWN, path: '/users' }, stack: 'shop' };
    expect(await api.check({}, news)).toEqual({ inputs: news });
    const wrong = await api.check({}, { ...news, request: { method: 'FETCH', path: '/users' } });
    expect(wrong.failures).toEqual([expect.objectContaining({ property: 'request.method' })]);
  });

  it('diff: an unknown backend service is an update, an unknown group a replace', async () => {
    const { digest: _d, published: _p, ...inputs } = state;
    expect(await api.diff('shop/getUser', state, inputs)).toEqual({ changes: false });
    expect(await api.diff('shop/getUser', state, { ...inputs, backend: { ...inputs.backend, service: UNKNOWN } })).toEqual({ changes: true });
    expect(await api.diff('shop/getUser', state, { ...inputs, group: UNKNOWN })).toEqual({ changes: true, replaces: ['group'], deleteBeforeReplace: true });
  });

  it('diff: a stage serving an older revision is a change even when the inputs are the same', async () => {
    const { digest: _d, published: _p, ...inputs } = state;
    const stale = { ...state, digest: 'd2' };
    expect(await api.diff('shop/getUser', stale, inputs)).toEqual({ changes: true });
  });
});
