/**
 * The plugin table: which plugin of each type acts on an API in a stage,
 * an API's own attachment beating its group's, and compiled plugins reused
 * across commits.
 */
import type { Plugin, PluginAttachment } from '@apigw/schema';
import { NO_PLUGINS, PluginTableCompiler, pluginsFor } from '../../../src/dataplane/plugins/plugin-table';

const limits: Plugin = { name: 'standard_limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'MINUTE', apiDefault: 600 } };
const strict: Plugin = { name: 'strict_limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'SECOND', apiDefault: 1 } };
const office: Plugin = { name: 'office_only', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['10.0.0.0/8'], apps: [] } };

describe('plugin table', () => {
  test('no attachments: the empty table, and no lookup', () => {
    const table = new PluginTableCompiler().compile([limits], []);
    expect(table).toBe(NO_PLUGINS);
    expect(pluginsFor(table, 'shop/getUser', 'shop', 2)).toBeNull();
  });

  test("an API's own plugin beats its group's of the same type; other types still come from the group", () => {
    const attachments: PluginAttachment[] = [
      { plugin: 'standard_limits', group: 'shop', stages: ['TEST', 'RELEASE'] },
      { plugin: 'office_only', group: 'shop', stages: ['RELEASE'] },
      { plugin: 'strict_limits', api: 'shop/getUser', stages: ['RELEASE'] },
    ];
    const table = new PluginTableCompiler().compile([limits, strict, office], attachments);
    const own = pluginsFor(table, 'shop/getUser', 'shop', 2)!;
    expect(own.names).toEqual({ TRAFFIC_CONTROL: 'strict_limits', IP_CONTROL: 'office_only' });
    expect(own.policies.map((p) => p.name)).toEqual(['ipControl:office_only', 'trafficControl:strict_limits']);
    // In TEST the API has no attachment of its own: the group's plugin acts.
    expect(pluginsFor(table, 'shop/getUser', 'shop', 0)!.names.TRAFFIC_CONTROL).toBe('standard_limits');
    expect(pluginsFor(table, 'shop/listUsers', 'shop', 2)!.names.TRAFFIC_CONTROL).toBe('standard_limits');
    expect(pluginsFor(table, 'shop/listUsers', 'shop', 1)).toBeNull();
    expect(pluginsFor(table, 'other/getUser', 'other', 2)).toBeNull();
  });

  test('a plugin left alone by a commit is not compiled again', () => {
    const compiler = new PluginTableCompiler();
    const a = compiler.compile([limits], [{ plugin: 'standard_limits', api: 'shop/getUser', stages: ['RELEASE'] }]);
    const b = compiler.compile([limits], [{ plugin: 'standard_limits', api: 'shop/getUser', stages: ['RELEASE', 'TEST'] }]);
    expect(pluginsFor(b, 'shop/getUser', 'shop', 2)!.policies[0]).toBe(pluginsFor(a, 'shop/getUser', 'shop', 2)!.policies[0]);
  });

  test('a plugin that cannot be compiled is reported', () => {
    const bad: Plugin = { name: 'bad_blocks', type: 'IP_CONTROL', ipControl: { mode: 'DENY', cidrs: ['10.0.0.0/99'], apps: [] } };
    const table = new PluginTableCompiler().compile([bad], [{ plugin: 'bad_blocks', api: 'shop/getUser', stages: ['RELEASE'] }]);
    expect(table.warnings).toEqual([{ subject: 'plugin bad_blocks', message: expect.stringContaining('prefix length "99"') }]);
  });
});
