/**
 * Plays the Pulumi engine's part for one dynamic resource, in the order the
 * engine calls a provider: configure once, then check → diff → create,
 * update or delete-and-create (`up`), read (`refresh`, `import`) and delete
 * (`destroy`). Every property bag carries `__provider` as the engine's do.
 */
import type * as pulumi from '@pulumi/pulumi';

/** What the state records for one resource. */
export interface ResourceState {
  readonly id: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
}

/** What `up` did. */
export type Step = 'create' | 'same' | 'update' | 'replace';

/** A provider with every function a Pulumi dynamic provider may have. */
export type Provider = Required<pulumi.dynamic.ResourceProvider>;

/** The stand-in for the serialized provider text the engine keeps in every bag. */
export const PROVIDER_TEXT = 'exports.handler = __f0;';

/** Configures a provider with a stack's config, as the dynamic provider host does once per process. */
export async function configure(provider: Provider, config: Record<string, string>): Promise<void> {
  await provider.configure({ config: { get: (key) => config[key], require: (key) => config[key] ?? fail(`missing ${key}`) } });
}

/** Check failures, as the engine would print them. */
export class CheckFailed extends Error {
  constructor(readonly failures: readonly pulumi.dynamic.CheckFailure[]) {
    super(failures.map((f) => `${f.property}: ${f.reason}`).join('; '));
  }
}

/** `pulumi up` for one resource: the step taken, the new state, and the diff that decided it. */
export async function up(
  provider: Provider,
  state: ResourceState | undefined,
  program: Record<string, unknown>,
): Promise<{ step: Step; state: ResourceState; diff?: pulumi.dynamic.DiffResult }> {
  const news = { ...program, __provider: PROVIDER_TEXT };
  const checked = await provider.check(state?.inputs ?? {}, news);
  if (checked.failures && checked.failures.length > 0) throw new CheckFailed(checked.failures);
  const inputs = { ...(checked.inputs as Record<string, unknown>), __provider: PROVIDER_TEXT };
  if (!state) {
    const created = await provider.create(inputs);
    return { step: 'create', state: { id: created.id, inputs, outputs: withProvider(created.outs) } };
  }
  const diff = await provider.diff(state.id, state.outputs, inputs);
  if (!diff.changes) return { step: 'same', state, diff };
  if (diff.replaces && diff.replaces.length > 0) {
    if (!diff.deleteBeforeReplace) fail('every apigw replace must delete first');
    await provider.delete(state.id, state.outputs);
    const created = await provider.create(inputs);
    return { step: 'replace', state: { id: created.id, inputs, outputs: withProvider(created.outs) }, diff };
  }
  const updated = await provider.update(state.id, state.outputs, inputs);
  return { step: 'update', state: { id: state.id, inputs, outputs: withProvider(updated.outs) }, diff };
}

/** `pulumi refresh` for one resource: the state read back, or undefined when the resource is gone. */
export async function refresh(provider: Provider, state: ResourceState): Promise<ResourceState | undefined> {
  const read = await provider.read(state.id, state.outputs);
  if (read.id === undefined) return undefined;
  return { id: read.id, inputs: withProvider(read.inputs ?? state.inputs), outputs: withProvider(read.props) };
}

/** `pulumi import`: the engine reads by id alone, with no properties. */
export async function importResource(provider: Provider, id: string): Promise<ResourceState | undefined> {
  const read = await provider.read(id, {});
  if (read.id === undefined) return undefined;
  return { id: read.id, inputs: withProvider(read.inputs), outputs: withProvider(read.props) };
}

/** `pulumi destroy` for one resource. */
export async function destroy(provider: Provider, state: ResourceState): Promise<void> {
  await provider.delete(state.id, state.outputs);
}

function withProvider(bag: Record<string, unknown> | undefined): Record<string, unknown> {
  return { ...(bag ?? {}), __provider: PROVIDER_TEXT };
}

function fail(message: string): never {
  throw new Error(message);
}
