import { NonceStore } from '../../src/dataplane';

describe('NonceStore', () => {
  const WINDOW = 15 * 60_000;

  test('a nonce is accepted once within the window', () => {
    const t0 = 1_000_000;
    const store = new NonceStore({}, t0);
    expect(store.check('key\nn1', t0, t0)).toBe('OK');
    expect(store.check('key\nn1', t0, t0 + 1000)).toBe('USED');
    expect(store.check('other\nn1', t0, t0 + 1000)).toBe('OK');
    // Still remembered just before and after one rotation.
    expect(store.check('key\nn1', t0, t0 + WINDOW + 1)).toBe('USED');
  });

  test('memory stays bounded and a forgotten nonce still cannot be replayed', () => {
    const t0 = 5_000_000;
    const store = new NonceStore({ maxEntries: 100 }, t0);
    for (let i = 0; i < 1000; i++) expect(store.check(`k\nn${i}`, t0 + i, t0 + i)).toBe('OK');
    expect(store.size).toBeLessThanOrEqual(200);
    // n0 was forgotten, but its timestamp is at or below the floor.
    expect(store.check('k\nn0', t0, t0 + 1000)).toBe('USED');
    // A fresh request is accepted.
    expect(store.check('k\nfresh', t0 + 2000, t0 + 2000)).toBe('OK');
  });
});
