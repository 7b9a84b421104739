/**
 * Reading the live state a plan is computed against, and what it says about
 * stacks.
 */
import { COLLECTIONS } from '@apigw/schema';
import type { GatewayClient, LiveResource, LiveState } from '@apigw/runtime';

/**
 * The live state a plan is computed against: the whole gateway, in one
 * admin call and so at one revision. The plan reconciles the resources of
 * its stack and needs the others to see ownership conflicts and which
 * published APIs a backend change affects.
 */
export function readLiveState(client: GatewayClient): Promise<LiveState> {
  return client.getState();
}

/** The stacks that own resources in a state (unowned resources are not a stack), sorted. */
export function stacksOf(state: LiveState): string[] {
  const stacks = new Set<string>();
  for (const collection of COLLECTIONS)
    for (const r of state[collection] as readonly LiveResource[]) if (r.stack !== null) stacks.add(r.stack);
  return [...stacks].sort();
}
