/** VPC accesses: create, read, update, delete. */
import { resourceRoutes } from './resources';
import type { Route } from './router';

export const routes: readonly Route[] = resourceRoutes('vpcAccess');
