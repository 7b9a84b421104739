/** Apps: create, read, update, delete. Credentials live in credentials.ts. */
import { resourceRoutes } from './resources';
import type { Route } from './router';

export const routes: readonly Route[] = resourceRoutes('app');
