import { GatewayStack, Plugin, PluginAttachment, Testing } from '@apigw/constructs';
import { smallStack } from './fixtures';

describe('Plugin', () => {
  test('GIVEN typed helpers WHEN synthesized THEN each plugin is its type plus the configuration under its key, defaults filled', () => {
    const { stack, mobile } = smallStack();
    new Plugin(stack, 'standard_limits', {
      policy: Plugin.trafficControl({ unit: 'MINUTE', apiDefault: 600, appDefault: 60, specials: [{ app: mobile, limit: 300 }] }),
    });
    new Plugin(stack, 'office_only', { policy: Plugin.ipControl({ mode: 'ALLOW', cidrs: ['10.0.0.0/8', '::1'] }) });
    new Plugin(stack, 'web_cors', { pluginName: 'web_cors', description: 'the shop', policy: Plugin.cors({ allowOrigins: ['https://shop.example'] }) });
    const doc = stack.synth();
    expect(doc.plugins).toEqual([
      { name: 'office_only', type: 'IP_CONTROL', ipControl: { mode: 'ALLOW', cidrs: ['10.0.0.0/8', '::1'], apps: [] } },
      { name: 'standard_limits', type: 'TRAFFIC_CONTROL', trafficControl: { unit: 'MINUTE', apiDefault: 600, appDefault: 60, specials: [{ app: 'mobile', limit: 300 }] } },
      {
        name: 'web_cors',
        description: 'the shop',
        type: 'CORS',
        cors: expect.objectContaining({ allowOrigins: ['https://shop.example'], maxAge: 600, allowCredentials: false, allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] }),
      },
    ]);
  });

  test('attach() binds to an API or a group per stage; attaching again adds stages; api.addPlugin and group.addPlugin do the same', () => {
    const { stack, shop, getUser } = smallStack();
    const limits = new Plugin(stack, 'standard_limits', { policy: Plugin.trafficControl({ unit: 'SECOND', apiDefault: 10 }) });
    const cors = new Plugin(stack, 'web_cors', { policy: Plugin.cors({ allowOrigins: ['*'] }) });
    const first = limits.attach(getUser, ['RELEASE']);
    expect(PluginAttachment.isPluginAttachment(first)).toBe(true);
    expect(getUser.addPlugin(limits, ['TEST'])).toBe(first);
    expect(first.stages).toEqual(['TEST', 'RELEASE']);
    expect(first.node.path).toBe('test/standard_limits/shop.getUser');
    shop.addPlugin(cors, ['RELEASE']);
    expect(stack.synth().pluginAttachments).toEqual([
      { plugin: 'standard_limits', api: 'shop/getUser', stages: ['TEST', 'RELEASE'] },
      { plugin: 'web_cors', group: 'shop', stages: ['RELEASE'] },
    ]);
  });

  test('an imported plugin is listed under imports and can be attached', () => {
    const { stack, getUser } = smallStack();
    const shared = Plugin.fromPluginName(stack, 'shared', 'company_limits');
    shared.attach(getUser, ['RELEASE']);
    const doc = stack.synth();
    expect(doc.imports?.plugins).toEqual(['company_limits']);
    expect(doc.plugins).toEqual([]);
    expect(doc.pluginAttachments).toEqual([{ plugin: 'company_limits', api: 'shop/getUser', stages: ['RELEASE'] }]);
  });

  test('document rules report bad configurations and two plugins of one type on one API and stage, with the construct path', () => {
    const { stack, getUser } = smallStack();
    const a = new Plugin(stack, 'limits_a', { policy: Plugin.trafficControl({ unit: 'SECOND', apiDefault: 1 }) });
    const b = new Plugin(stack, 'limits_b', { policy: Plugin.trafficControl({ unit: 'SECOND', apiDefault: 2 }) });
    new Plugin(stack, 'bad_blocks', { policy: Plugin.ipControl({ mode: 'DENY', cidrs: ['10.0.0.0/40'] }) });
    new Plugin(stack, 'bad_cors', { policy: Plugin.cors({ allowOrigins: ['*'], allowCredentials: true }) });
    a.attach(getUser, ['RELEASE']);
    b.attach(getUser, ['TEST', 'RELEASE']);
    const problems = Testing.synthProblems(stack).map((p) => `[${p.path}] ${p.pointer}: ${p.code}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        '[test/bad_blocks] /plugins/2/ipControl/cidrs/0: PLUGIN_CONFIG',
        '[test/bad_cors] /plugins/3/cors/allowOrigins/0: PLUGIN_CONFIG',
        '[test/limits_b/shop.getUser] /pluginAttachments/1/stages/1: PLUGIN_CONFLICT',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  test('attaching to an API of another stack is a FOREIGN_REFERENCE; importing it is the way', () => {
    const { getUser } = smallStack('owner');
    const other = new GatewayStack('other');
    const limits = new Plugin(other, 'standard_limits', { policy: Plugin.trafficControl({ unit: 'SECOND', apiDefault: 10 }) });
    limits.attach(getUser, ['RELEASE']);
    expect(Testing.synthProblems(other).map((p) => p.code)).toEqual(['FOREIGN_REFERENCE']);
  });
});
