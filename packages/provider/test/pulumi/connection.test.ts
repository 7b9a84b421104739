import { ConnectionError, OwnerChangedError, ProviderError, ResourceExistsError, ResourceGoneError } from '../../src/errors';
import { DEFAULT_ENDPOINT, PULUMI_ERROR_CODES, resolveConnection, settingsFromConfig } from '@apigw/provider/pulumi';
import * as errors from '@apigw/provider/pulumi';

describe('provider connection settings', () => {
  it('prefers Pulumi config to the environment, and the environment to the default endpoint', () => {
    const env = { APIGW_ENDPOINT: 'http://127.0.0.1:9999', APIGW_TOKEN: 'from-env' };
    expect(resolveConnection({ endpoint: 'http://127.0.0.1:7000', token: 'from-config' }, env)).toEqual({ endpoint: 'http://127.0.0.1:7000', token: 'from-config' });
    expect(resolveConnection({}, env)).toEqual({ endpoint: 'http://127.0.0.1:9999', token: 'from-env' });
    expect(resolveConnection({ token: 't' }, {})).toEqual({ endpoint: DEFAULT_ENDPOINT, token: 't' });
  });

  it('reads the apigw:* keys from a Pulumi config reader', () => {
    const config: Record<string, string> = { 'apigw:endpoint': 'http://127.0.0.1:1', 'apigw:token': 'secret', 'apigw:stack': 'shop', 'other:endpoint': 'x' };
    expect(settingsFromConfig({ get: (key) => config[key] })).toEqual({ endpoint: 'http://127.0.0.1:1', token: 'secret', stack: 'shop' });
  });

  it('names the setting that holds a bad endpoint, and says how to set a missing token', () => {
    expect(() => resolveConnection({ endpoint: 'not a url', token: 't' }, {})).toThrow(ConnectionError);
    expect(() => resolveConnection({ endpoint: 'not a url', token: 't' }, {})).toThrow(/apigw:endpoint is not a URL/);
    expect(() => resolveConnection({ token: 't' }, { APIGW_ENDPOINT: 'ftp://127.0.0.1' })).toThrow(/APIGW_ENDPOINT must be an http or https URL/);
    expect(() => resolveConnection({}, {})).toThrow(/pulumi config set --secret apigw:token/);
  });
});

describe('Pulumi error codes', () => {
  it('every error class has a documented code, and every documented code has a class', () => {
    const samples = [
      new errors.ResourceExistsError('app', 'mobile', null),
      new errors.NotOwnedError('app', 'mobile', 'other', 'shop'),
      new errors.ResourceGoneError('app', 'mobile'),
      new errors.OwnerUnsetError('app'),
      new errors.InputInvalidError('app', [{ property: 'name', reason: 'bad' }]),
    ];
    for (const e of samples) {
      expect(e).toBeInstanceOf(errors.PulumiResourceError);
      expect(Object.keys(PULUMI_ERROR_CODES)).toContain(e.code);
    }
    expect(new Set(samples.map((e) => e.code))).toEqual(new Set(Object.keys(PULUMI_ERROR_CODES)));
  });

  it("the engine's refusals and Pulumi's are one hierarchy: Pulumi's are the engine's classes under Pulumi's codes", () => {
    const pairs: [Error & { code: string }, abstract new (...args: never[]) => Error, string][] = [
      [new errors.ResourceExistsError('app', 'mobile', null), ResourceExistsError, 'APIGW_RESOURCE_EXISTS'],
      [new errors.NotOwnedError('app', 'mobile', 'other', 'shop'), OwnerChangedError, 'APIGW_OWNER_CHANGED'],
      [new errors.ResourceGoneError('app', 'mobile'), ResourceGoneError, 'APIGW_RESOURCE_GONE'],
    ];
    for (const [pulumiError, engineClass, engineCode] of pairs) {
      expect(pulumiError).toBeInstanceOf(engineClass);
      expect(pulumiError).toBeInstanceOf(ProviderError);
      expect(pulumiError.code).not.toBe(engineCode);
    }
    expect(new ResourceExistsError('app', 'mobile', 'billing')).not.toBeInstanceOf(errors.PulumiResourceError);
    expect(new errors.OwnerUnsetError('app')).not.toBeInstanceOf(errors.InputInvalidError);
    expect(new errors.NotOwnedError('app', 'mobile', 'other', 'shop').message).toBe(
      'app mobile is owned by stack other, but the Pulumi state records it as owned by stack shop; it is left alone; run pulumi refresh to see the live owner',
    );
  });
});
