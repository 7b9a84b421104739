/**
 * @apigw/provider: the reconciler and CLI, and the Pulumi and Terraform
 * integrations built on the same per-kind handlers.
 *
 * The reconciler is usable as a library: load a document (`loadDocument`),
 * read the live state (`readLiveState`), compute a plan (`computePlan`, pure),
 * render it (`renderHuman`, `renderJson`, `renderMarkdown`) and apply it as
 * one revision-guarded batch (`applyPlan`).
 */
export * from './kinds';
export * from './errors';
export * from './diff';
export * from './desired';
export * from './actual';
export * from './apply';
export * from './render';
export { main as runCli, type CliIo } from './cli';
