/** The pure diff: a document and a live state in, a plan out. */
export * from './plan';
export { computePlan, computeDestroyPlan, summarize, type PlanOptions } from './compute-plan';
export { orderOperations, operationRank } from './order';
