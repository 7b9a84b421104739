/**
 * The route key of an API: its group and the shape of the routes it
 * answers (path with parameter names erased, `/**` for child paths). Two
 * APIs can clash only if their keys are equal, so the store indexes it and
 * hands the schema's route rule only the APIs that share a key.
 */
import { pathShape } from '@apigw/schema';
import type { ApiDefinition } from '../model';

/** `group /users/{}` or `group /files/**`. */
export function routeKey(api: Pick<ApiDefinition, 'group' | 'request'>): string {
  return `${api.group} ${pathShape(api.request.path)}${api.request.matchAllChildPaths ? '/**' : ''}`;
}
