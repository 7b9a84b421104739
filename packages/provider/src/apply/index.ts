/** Applying a plan: one atomic, revision-guarded batch; saved plan files. */
export { applyPlan, checkPlan, describeOperation, type ApplyRequest } from './apply-plan';
export { readPlanFile, writePlanFile, type SavedPlan } from './plan-file';
