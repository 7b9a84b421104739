/** The compiled, immutable routing snapshot and its router. */
export * from './snapshot';
export { Router, RouteConflictError, type Route, type RouteMatch, type RouteResult } from './router';
