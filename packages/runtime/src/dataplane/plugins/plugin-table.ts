/**
 * Which plugins act on each API in each stage, compiled once per commit.
 *
 * An attachment binds a plugin to an API or to every API of a group, per
 * stage. For each (API, stage) at most one plugin of each type applies:
 * the API's own attachment beats its group's. The table holds, per API and
 * per group, the merged set of compiled policies for each stage, so the
 * request path looks one up with at most two Map reads (none when no
 * plugin is attached anywhere).
 *
 * Compiled plugins are remembered by the identity of their spec object, so
 * a commit that leaves a plugin alone does not import its keys again.
 */
import { STAGES, type Plugin, type PluginAttachment } from '@apigw/schema';
import type { RequestPolicy } from '../policy';
import { compileCors, type CorsPolicy } from './cors';
import { compileIpControl } from './ip-control';
import { compileJwt } from './jwt';
import { IpControlStep, JwtStep, TrafficControlStep } from './plugin-policies';
import { compileTrafficControl } from './traffic-control';

/** The plugins that act on one API in one stage. */
export interface ApiPlugins {
  /** Request policies in the order they run: IP control, JWT, traffic control. */
  readonly policies: readonly RequestPolicy[];
  /** The CORS plugin's policy, or null. */
  readonly cors: CorsPolicy | null;
  /** Name of the plugin of each type that acts (for logs and tests). */
  readonly names: Readonly<Partial<Record<Plugin['type'], string>>>;
}

type PerStage = readonly [ApiPlugins | null, ApiPlugins | null, ApiPlugins | null];

/** The compiled plugin table of one snapshot. */
export interface PluginTable {
  /** False when no plugin is attached anywhere (the request path then skips the lookup). */
  readonly any: boolean;
  /** API id -> policies per stage (already merged with its group's). */
  readonly byApi: ReadonlyMap<string, PerStage>;
  /** Group name -> policies per stage, for APIs without attachments of their own. */
  readonly byGroup: ReadonlyMap<string, PerStage>;
  /** Plugins that could not be compiled, and why. */
  readonly warnings: readonly { readonly subject: string; readonly message: string }[];
}

/** A table with no plugins. */
export const NO_PLUGINS: PluginTable = { any: false, byApi: new Map(), byGroup: new Map(), warnings: [] };

/** The policies for an API (by id and group) in a stage, or null. */
export function pluginsFor(table: PluginTable, apiId: string, group: string, stageIndex: number): ApiPlugins | null {
  if (!table.any) return null;
  const own = table.byApi.get(apiId);
  if (own !== undefined) return own[stageIndex]!;
  const shared = table.byGroup.get(group);
  return shared === undefined ? null : shared[stageIndex]!;
}

type Slot = Plugin['type'];
/** A compiled plugin: its request policy, or (CORS) the policy the pipeline applies itself. */
type Compiled = { readonly type: Slot; readonly name: string; readonly step: RequestPolicy | null; readonly cors: CorsPolicy | null };

/** Order in which the plugins' request policies run. */
const STEP_ORDER: readonly Slot[] = ['IP_CONTROL', 'JWT', 'TRAFFIC_CONTROL'];

/** Compiles plugin tables, remembering each plugin's compiled form by spec identity. */
export class PluginTableCompiler {
  private compiled = new WeakMap<Plugin, Compiled | string>();

  compile(plugins: readonly Plugin[], attachments: readonly PluginAttachment[]): PluginTable {
    if (attachments.length === 0) return NO_PLUGINS;
    const warnings: { subject: string; message: string }[] = [];
    const byName = new Map<string, Compiled>();
    for (const plugin of plugins) {
      let c = this.compiled.get(plugin);
      if (c === undefined) {
        c = compilePlugin(plugin);
        this.compiled.set(plugin, c);
      }
      if (typeof c === 'string') warnings.push({ subject: `plugin ${plugin.name}`, message: c });
      else byName.set(plugin.name, c);
    }
    // Per target and stage: type -> compiled plugin.
    const apiSlots = new Map<string, { group: string; stages: Map<Slot, Compiled>[] }>();
    const groupSlots = new Map<string, Map<Slot, Compiled>[]>();
    const fresh = (): Map<Slot, Compiled>[] => STAGES.map(() => new Map<Slot, Compiled>());
    for (const a of attachments) {
      const c = byName.get(a.plugin);
      if (c === undefined) continue;
      let stages: Map<Slot, Compiled>[];
      if (a.api !== undefined) {
        let entry = apiSlots.get(a.api);
        if (entry === undefined) apiSlots.set(a.api, (entry = { group: a.api.slice(0, a.api.indexOf('/')), stages: fresh() }));
        stages = entry.stages;
      } else if (a.group !== undefined) {
        stages = groupSlots.get(a.group) ?? fresh();
        groupSlots.set(a.group, stages);
      } else continue;
      for (const stage of a.stages) stages[STAGES.indexOf(stage)]!.set(c.type, c);
    }
    const merge = (own: Map<Slot, Compiled> | undefined, shared: Map<Slot, Compiled> | undefined): ApiPlugins | null => {
      const get = (slot: Slot): Compiled | undefined => own?.get(slot) ?? shared?.get(slot);
      const names: Partial<Record<Slot, string>> = {};
      const policies: RequestPolicy[] = [];
      for (const slot of STEP_ORDER) {
        const c = get(slot);
        if (c === undefined) continue;
        names[slot] = c.name;
        policies.push(c.step!);
      }
      const cors = get('CORS');
      if (cors !== undefined) names.CORS = cors.name;
      return policies.length === 0 && cors === undefined ? null : { policies, cors: cors?.cors ?? null, names };
    };
    const byGroup = new Map<string, PerStage>();
    for (const [group, stages] of groupSlots) byGroup.set(group, stages.map((s) => merge(undefined, s)) as unknown as PerStage);
    const byApi = new Map<string, PerStage>();
    for (const [api, { group, stages }] of apiSlots) {
      const shared = groupSlots.get(group);
      byApi.set(api, stages.map((s, i) => merge(s, shared?.[i])) as unknown as PerStage);
    }
    return { any: byApi.size > 0 || byGroup.size > 0, byApi, byGroup, warnings };
  }
}

/** Compiles one plugin; a string says why it could not be. */
function compilePlugin(plugin: Plugin): Compiled | string {
  try {
    switch (plugin.type) {
      case 'TRAFFIC_CONTROL':
        return { type: plugin.type, name: plugin.name, step: new TrafficControlStep(plugin.name, compileTrafficControl(plugin.name, plugin.trafficControl!)), cors: null };
      case 'IP_CONTROL':
        return { type: plugin.type, name: plugin.name, step: new IpControlStep(plugin.name, compileIpControl(plugin.ipControl!)), cors: null };
      case 'CORS':
        return { type: plugin.type, name: plugin.name, step: null, cors: compileCors(plugin.cors!) };
      case 'JWT':
        return { type: plugin.type, name: plugin.name, step: new JwtStep(plugin.name, compileJwt(plugin.jwt!)), cors: null };
    }
  } catch (err) {
    return `cannot be compiled: ${(err as Error).message}`;
  }
}
