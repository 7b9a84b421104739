/**
 * Function Compute behind the gateway, as in Alibaba's quick start: the
 * `api-gateway-nodejs6` template function (code/index.js) published as
 * GET /hello of group `fc`, called by the app `browser` with its AppCode.
 *
 * The document keeps the function's cloud identity (service `quickstart`,
 * function `hello`); the runtime's `<data-dir>/functions.json` says which
 * local code serves it:
 *
 *   { "quickstart/hello": { "codeDir": "<path to examples/function/code>", "handler": "index.handler" } }
 */
import { ApiGroup, App, BackendService, GatewayStack } from '@apigw/constructs';

/** Builds the example stack. */
export default function functionExample(): GatewayStack {
  const stack = new GatewayStack('fc_example');

  const hello = BackendService.function(stack, 'hello_fc', {
    description: 'The API Gateway template function.',
    environments: { RELEASE: { service: 'quickstart', function: 'hello', region: 'cn-hangzhou' } },
  });

  const group = new ApiGroup(stack, 'functions', { domains: ['functions.localhost'] });
  const api = group.addApi('hello', {
    auth: { type: 'APP', appCode: 'HEADER_QUERY' },
    request: { method: 'GET', path: '/hello', parameters: [{ name: 'response', in: 'QUERY', default: 'json' }] },
    backend: { service: hello, path: '/hello', timeoutMs: 5000 },
    stages: ['RELEASE'],
  });

  new App(stack, 'browser').authorize(api, ['RELEASE']);
  return stack;
}
