/**
 * Two writers against one admin API, each with its own connection pool.
 * The expected-revision guard must make every read-modify-write safe: the
 * loser of a race gets 409 and no update is ever lost.
 */
import { HttpGatewayClient } from '../../src/client/http-client';
import { AdminApiError } from '../../src/errors';
import type { Operation } from '../../src/model';
import { group } from '../store/fixtures';
import { startHarness, TOKEN, type Harness } from './harness';

describe('concurrent batches', () => {
  let h: Harness;
  let writers: HttpGatewayClient[];

  beforeEach(async () => {
    h = await startHarness();
    writers = [0, 1].map(() => new HttpGatewayClient({ endpoint: h.gateway.adminUrl, token: TOKEN }));
    await writers[0]!.batch({ stack: 'shop', operations: [{ op: 'create', kind: 'group', spec: { ...group, description: 'count 0' } }] as unknown as Operation[] });
  });
  afterEach(async () => {
    await Promise.all(writers.map((w) => w.close()));
    await h.close();
  });

  const counterOf = async (writer: HttpGatewayClient) => {
    const state = await writer.getState();
    const description = (state.groups[0]!.spec as { description: string }).description;
    return { revision: state.revision, count: Number(description.replace('count ', '')) };
  };
  const increment = (writer: HttpGatewayClient, seen: { revision: number; count: number }) =>
    writer.batch({
      stack: 'shop',
      expectedRevision: seen.revision,
      operations: [{ op: 'update', kind: 'group', spec: { ...group, description: `count ${seen.count + 1}` } }] as unknown as Operation[],
    });

  test('100 rounds of two writers racing from the same revision: one wins, the other gets 409', async () => {
    for (let round = 0; round < 100; round++) {
      const seen = await Promise.all(writers.map(counterOf));
      expect(seen[0]).toEqual(seen[1]);
      const outcomes = await Promise.allSettled(writers.map((w, i) => increment(w, seen[i]!)));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]!.reason).toBeInstanceOf(AdminApiError);
      expect([lost[0]!.reason.status, lost[0]!.reason.code]).toEqual([409, 'APIGW_REVISION_CONFLICT']);
    }
    expect(await counterOf(writers[0]!)).toEqual({ revision: 101, count: 100 });
  });

  test('two writers incrementing with retry on 409 lose no update', async () => {
    const run = async (writer: HttpGatewayClient) => {
      let conflicts = 0;
      for (let done = 0; done < 50; ) {
        try {
          await increment(writer, await counterOf(writer));
          done++;
        } catch (error) {
          if (!(error instanceof AdminApiError) || error.status !== 409) throw error;
          conflicts++;
        }
      }
      return conflicts;
    };
    await Promise.all(writers.map(run));
    expect(await counterOf(writers[0]!)).toEqual({ revision: 101, count: 100 });
  });
});
