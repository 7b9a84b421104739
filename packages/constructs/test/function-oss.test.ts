import { ApiGroup, BackendService, Testing } from '@apigw/constructs';

describe('BackendService.function and BackendService.oss', () => {
  test('a function per environment, defaults filled (EVENT, LATEST)', () => {
    // GIVEN a FUNCTION service with an event function in TEST and an HTTP function in RELEASE
    const stack = Testing.stack();
    const hello = BackendService.function(stack, 'hello', {
      description: 'the quick-start function',
      environments: {
        TEST: { service: 'shop', function: 'hello' },
        RELEASE: { type: 'HTTP', service: 'shop', function: 'hello', qualifier: 'prod', url: 'https://hello.fc.example.com/' },
      },
    });
    // WHEN synthesized
    const doc = stack.synth();
    // THEN the type is FUNCTION and the schema's defaults are filled
    expect(hello.type).toBe('FUNCTION');
    expect(doc.backendServices).toEqual([
      {
        name: 'hello',
        type: 'FUNCTION',
        description: 'the quick-start function',
        environments: {
          TEST: { function: { type: 'EVENT', service: 'shop', function: 'hello', qualifier: 'LATEST' } },
          RELEASE: { function: { type: 'HTTP', service: 'shop', function: 'hello', qualifier: 'prod', url: 'https://hello.fc.example.com/' } },
        },
      },
    ]);
  });

  test('a bucket per environment, and ossAction on addApi', () => {
    const stack = Testing.stack();
    const files = BackendService.oss(stack, 'files', { backendServiceName: 'shop_files', environments: { RELEASE: { bucket: 'shop-files', region: 'oss-cn-hangzhou' } } });
    const shop = new ApiGroup(stack, 'shop', { domains: ['api.shop.localhost'] });
    shop.addApi('objectMeta', {
      auth: { type: 'ANONYMOUS' },
      request: { method: 'HEAD', path: '/files/{name}', parameters: [{ name: 'name', in: 'PATH', required: true }] },
      backend: { service: files, path: '/{name}', ossAction: 'GetObjectMeta' },
      stages: ['RELEASE'],
    });
    const doc = stack.synth();
    expect(doc.backendServices[0]).toEqual({ name: 'shop_files', type: 'OSS', environments: { RELEASE: { oss: { bucket: 'shop-files', region: 'oss-cn-hangzhou' } } } });
    expect(doc.apis[0]!.backend.ossAction).toBe('GetObjectMeta');
  });

  test('an action the method cannot perform, and an HTTP function without its URL, are synth problems naming the construct', () => {
    const stack = Testing.stack();
    const files = BackendService.oss(stack, 'files', { environments: { RELEASE: { bucket: 'shop-files' } } });
    BackendService.function(stack, 'hello', { environments: { RELEASE: { type: 'HTTP', service: 'shop', function: 'hello' } } });
    const shop = new ApiGroup(stack, 'shop', { domains: ['api.shop.localhost'] });
    shop.addApi('upload', { request: { method: 'PUT', path: '/up' }, backend: { service: files, path: '/up', ossAction: 'GetObject' }, stages: ['RELEASE'] });
    expect(Testing.synthProblems(stack).map((p) => [p.code, p.path, p.pointer])).toEqual([
      ['ENVIRONMENT_SHAPE', 'test/hello', '/backendServices/1/environments/RELEASE/function/url'],
      ['OSS_ACTION_MISMATCH', 'test/shop/upload', '/apis/0/backend/ossAction'],
    ]);
  });
});
