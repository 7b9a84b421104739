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
});
