/**
 * The shared nonce ledger: two ledgers on one file (two worker processes)
 * accept a nonce once between them, and expired nonces are forgotten.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SharedNonceStore } from '../../src/dataplane/shared-nonce-store';

describe('SharedNonceStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'apigw-nonces-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a nonce spent through one ledger is used for every other ledger on the file', () => {
    const file = join(dir, 'nonces.db');
    const a = new SharedNonceStore(file);
    const b = new SharedNonceStore(file);
    const now = 1_700_000_000_000;
    expect(a.check('key\nn1', now, now)).toBe('OK');
    expect(b.check('key\nn1', now, now)).toBe('USED');
    expect(a.check('key\nn1', now, now)).toBe('USED');
    expect(b.check('key\nn2', now, now)).toBe('OK');
    expect(a.check('other\nn2', now, now)).toBe('OK');
    a.close();
    b.close();
  });

  test('nonces are forgotten once their timestamp is a window old, and not before', () => {
    const ledger = new SharedNonceStore(join(dir, 'nonces.db'), { windowMs: 1_000, pruneEveryMs: 0 });
    const t0 = 1_700_000_000_000;
    expect(ledger.check('k\nold', t0, t0)).toBe('OK');
    expect(ledger.check('k\nold', t0, t0 + 999)).toBe('USED');
    // A later check prunes what is a window old; the data plane refuses such a stale timestamp anyway.
    expect(ledger.check('k\nnew', t0 + 1_001, t0 + 1_001)).toBe('OK');
    expect(ledger.check('k\nold', t0, t0 + 1_002)).toBe('OK');
    ledger.close();
  });

  test("one app's flood is bounded in the file and never refuses another app's nonces", () => {
    const file = join(dir, 'nonces.db');
    const a = new SharedNonceStore(file, { maxEntriesPerApp: 10 });
    const b = new SharedNonceStore(file, { maxEntriesPerApp: 10 });
    const now = 1_700_000_000_000;
    expect(a.check('victim\nv1', now, now)).toBe('OK');
    for (let i = 0; i < 60; i++) expect((i % 2 ? a : b).check(`flood\nn${i}`, now + 14 * 60_000 + i, now)).toBe('OK');
    expect(b.check('victim\nv2', now, now)).toBe('OK');
    expect(a.check('victim\nv1', now, now)).toBe('USED');
    // Forgotten nonces of the flooding app stay refused, through either ledger: their timestamps are at or below its floor.
    expect(b.check('flood\nn0', now + 14 * 60_000, now)).toBe('USED');
    expect(a.check('flood\nn1', now + 14 * 60_000 + 1, now)).toBe('USED');
    // The flooding app's newest nonces are still accepted once only.
    expect(a.check('flood\nn59', now + 14 * 60_000 + 59, now)).toBe('USED');
    expect(a.check('flood\nfresh', now + 14 * 60_000 + 100, now)).toBe('OK');
    a.close();
    b.close();
    const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
    const db = new DatabaseSync(file);
    const rows = db.prepare("SELECT count(*) AS n FROM nonces WHERE key >= 'flood' || char(10) AND key < 'flood' || char(11)").get() as { n: number };
    db.close();
    expect(rows.n).toBeLessThanOrEqual(10 + 2);
  });
});
