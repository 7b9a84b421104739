/**
 * File uploads through the gateway, as in the OSS chapter of Alibaba's quick
 * start: one bucket, with an API per object action (the request method picks
 * it: PUT PutObject, GET GetObject, HEAD HeadObject, DELETE DeleteObject)
 * and a browser form upload (POST, PostObject). Callers are the app
 * `uploader`, with signed requests.
 *
 * Without an `oss.json` entry for `shop-uploads` the runtime keeps the bucket
 * in its data directory; with one, it relays to that S3/OSS endpoint.
 */
import { ApiGroup, App, BackendService, GatewayStack } from '@apigw/constructs';

/** Builds the example stack. */
export default function uploadExample(): GatewayStack {
  const stack = new GatewayStack('upload_example');

  const bucket = BackendService.oss(stack, 'uploads', {
    description: 'The shop-uploads bucket.',
    environments: { RELEASE: { bucket: 'shop-uploads', region: 'oss-cn-hangzhou' } },
  });

  const files = new ApiGroup(stack, 'files', { domains: ['files.localhost'] });
  const name = [{ name: 'name', in: 'PATH' as const, required: true }];
  const uploader = new App(stack, 'uploader');
  for (const [id, method] of [
    ['putFile', 'PUT'],
    ['getFile', 'GET'],
    ['headFile', 'HEAD'],
    ['deleteFile', 'DELETE'],
  ] as const) {
    const api = files.addApi(id, {
      request: { method, path: '/files/{name}', parameters: name },
      backend: { service: bucket, path: '/uploads/{name}' },
      stages: ['RELEASE'],
    });
    uploader.authorize(api, ['RELEASE']);
  }
  const form = files.addApi('formUpload', {
    request: { method: 'POST', path: '/form' },
    backend: { service: bucket, path: '/', ossAction: 'PostObject' },
    stages: ['RELEASE'],
  });
  uploader.authorize(form, ['RELEASE']);
  return stack;
}
