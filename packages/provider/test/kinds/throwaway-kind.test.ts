/**
 * How many places a new kind of resource takes. A throwaway kind, `banner`
 * (a text a group shows, naming the group), is added in two places, both
 * its own:
 *
 *   1. its spec type (a KindSpecs augmentation: types only);
 *   2. its facts and JSON Schema (one defineKind call).
 *
 * Both are schema/test/fixtures/banner-kind.ts (the runtime's admin test
 * defines the same kind from there), imported here before any provider
 * module loads, as a program that defines its kinds first would. A kind
 * with behaviour of its own adds a third place, its handler
 * (registerHandler; the last test).
 *
 * Nothing else is edited, and the document validator (schema, identities,
 * references), the planner (create order, field diffs, replace-only
 * fields, renames, deletes), the operation order and the Terraform
 * provider's schema and validation (its resource type follows from the
 * registry) all handle it.
 */
// 1 and 2: the spec type and the kind's facts and schema, defined on import.
import '../../../../schema/test/fixtures/banner-kind';
import type { Banner } from '../../../../schema/test/fixtures/banner-kind';
import {
  KINDS,
  kindIndex,
  validateDocument,
  type GatewayDocument,
  type Problem,
} from '@apigw/schema';
import type { LiveState } from '@apigw/runtime';
import { BaseHandler, handlerFor, registerHandler } from '../../src/kinds';
import { computePlan } from '../../src/diff';
import { ApigwTerraformProvider } from '../../src/terraform/provider';
import { resourceType, resourceTypeOf } from '../../src/terraform/provider-schema';
import { toDynamic } from '../../src/terraform/values';

const group = { name: 'shop', domains: ['api.shop.localhost'] };

function documentWith(banners: unknown[], extra: Record<string, unknown> = {}): unknown {
  return { apiVersion: 'apigw/v1', stack: 'shop', groups: [group], banners, ...extra };
}

function problems(input: unknown): [string, string][] {
  const result = validateDocument(input);
  return result.ok ? [] : result.problems.map((p: Problem) => [p.code, p.pointer]);
}

function valid(input: unknown): GatewayDocument {
  const result = validateDocument(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

function liveState(banners: (Banner & { stack?: string })[]): LiveState {
  const meta = { createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
  const live = (kind: string, id: string, spec: object, stack = 'shop') => ({ kind, id, spec, stack, ...meta });
  return {
    revision: 3,
    vpcAccesses: [],
    backendServices: [],
    groups: [live('group', 'shop', { ...group, basePath: '/', certificates: [] })],
    apis: [],
    apps: [],
    authorizations: [],
    banners: banners.map(({ stack, ...spec }) => live('banner', spec.name, spec, stack)),
  } as unknown as LiveState;
}

const welcome: Banner = { name: 'welcome', group: 'shop', text: 'Hello', color: 'blue' };

describe('a kind defined in one place', () => {
  test('comes last in dependency order', () => {
    expect(kindIndex('banner')).toBe(KINDS.length - 1);
    expect(KINDS.slice(0, -1).every((k) => kindIndex(k.kind) < kindIndex('banner'))).toBe(true);
  });

  test('GIVEN banners in a document THEN the schema, the defaults and the rules that span resources apply to them', () => {
    expect(valid(documentWith([{ name: 'welcome', group: 'shop', text: 'Hello' }]))).toMatchObject({ banners: [welcome] });
    expect(problems(documentWith([{ name: 'welcome', group: 'shop', text: 'Hello', size: 3 }]))).toEqual([['SCHEMA_VIOLATION', '/banners/0/size']]);
    expect(problems(documentWith([welcome, { ...welcome, text: 'again' }]))).toEqual([['DUPLICATE_NAME', '/banners/1']]);
    expect(problems(documentWith([{ ...welcome, group: 'nowhere' }]))).toEqual([['UNKNOWN_REFERENCE', '/banners/0/group']]);
  });

  test('GIVEN an empty gateway WHEN planned THEN the banner is created after the group it names', () => {
    const plan = computePlan(valid(documentWith([welcome])), { ...liveState([]), groups: [] } as LiveState);
    expect(plan.events.map((e) => `${e.op} ${e.kind} ${e.id}`)).toEqual(['create group shop', 'create banner welcome']);
    expect(plan.operations.map((o) => `${o.op} ${'kind' in o ? o.kind : ''}`)).toEqual(['create group', 'create banner']);
  });

  test('GIVEN a live banner WHEN its text changes THEN it is updated in place, field by field', () => {
    const plan = computePlan(valid(documentWith([{ ...welcome, text: 'Welcome' }])), liveState([welcome]));
    expect(plan.events).toEqual([expect.objectContaining({ op: 'update', kind: 'banner', id: 'welcome', changes: [{ path: '/text', before: 'Hello', after: 'Welcome', forcesReplacement: false }] })]);
    expect(computePlan(valid(documentWith([welcome])), liveState([welcome])).events).toEqual([]);
  });

  test('GIVEN a replace-only field of its schema WHEN it changes THEN the banner is replaced', () => {
    const doc = valid({ ...(documentWith([{ ...welcome, group: 'shop_two' }]) as object), groups: [group, { name: 'shop_two', domains: ['two.shop.localhost'] }] });
    const plan = computePlan(doc, liveState([welcome]));
    expect(plan.events.find((e) => e.kind === 'banner')).toMatchObject({ op: 'replace', reason: 'group cannot change in place' });
    expect(plan.operations.filter((o) => 'kind' in o && o.kind === 'banner').map((o) => o.op)).toEqual(['delete', 'create']);
  });

  test('GIVEN a banner renamed THEN the plan says so; GIVEN one dropped THEN it is deleted', () => {
    const renamed = computePlan(valid(documentWith([{ ...welcome, name: 'greeting' }])), liveState([welcome]));
    expect(renamed.events.map((e) => [e.op, e.id, e.reason])).toEqual([
      ['create', 'greeting', 'renamed from welcome; a name is an identity'],
      ['delete', 'welcome', 'renamed to greeting; a name is an identity'],
    ]);
    const dropped = computePlan(valid(documentWith([])), liveState([welcome, { ...welcome, name: 'other_one', stack: 'billing' } as Banner & { stack: string }]));
    expect(dropped.operations).toEqual([{ op: 'delete', kind: 'banner', id: 'welcome' }]);
  });

  test('GIVEN the Terraform provider THEN the kind is a resource type named from its definition, with its identity and replace-only fields', () => {
    const rt = resourceTypeOf('banner');
    expect(resourceType('apigw_banner')).toBe(rt);
    expect(rt.identity).toEqual(['name']);
    const attribute = (name: string) => rt.block.attributes.find((a) => a.name === name);
    expect(attribute('id')).toMatchObject({ computed: true, description: 'Identity of the banner: its name.' });
    expect(attribute('name')).toMatchObject({ required: true, replace: true });
    expect(attribute('group')).toMatchObject({ required: true, replace: true });
    expect(attribute('color')).toMatchObject({ optional: true, computed: true, default: 'blue', replace: false });
    expect(attribute('app_key')).toBeUndefined();

    const provider = new ApigwTerraformProvider(() => {
      throw new Error('validation needs no gateway');
    });
    const config = (text: string) => toDynamic({ id: null, name: 'welcome', group: 'shop', text, color: null });
    expect(provider.validateResourceConfig({ type_name: 'apigw_banner', config: config('Hello') }).diagnostics).toEqual([]);
    expect(provider.validateResourceConfig({ type_name: 'apigw_banner', config: config('x'.repeat(201)) }).diagnostics).toEqual([
      expect.objectContaining({ summary: 'Invalid text', attribute: { steps: [{ attribute_name: 'text' }] } }),
    ]);
  });

  test('GIVEN no handler of its own THEN a plain BaseHandler plans it; GIVEN one registered THEN the planner uses it', () => {
    expect(handlerFor('banner')).toBeInstanceOf(BaseHandler);
    class LoudBanner extends BaseHandler<'banner'> {
      override compare(desired: Banner, live: Banner) {
        return super.compare({ ...desired, text: desired.text.toUpperCase() }, live);
      }
    }
    const loud = new LoudBanner('banner');
    registerHandler(loud);
    expect(handlerFor('banner')).toBe(loud);
    expect(() => registerHandler(new BaseHandler('banner'))).toThrow('kind banner already has a handler');
    const plan = computePlan(valid(documentWith([{ ...welcome, text: 'hello' }])), liveState([{ ...welcome, text: 'HELLO' }]));
    expect(plan.events.filter((e) => e.kind === 'banner')).toEqual([]);
  });
});
