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

  test('a future-dated nonce neither blocks other clients nor becomes replayable when its generation ends', () => {
    const t0 = 9_000_000;
    const store = new NonceStore({}, t0);
    // A client clock ahead of the gateway by almost the whole window, just before a rotation.
    expect(store.check('fast\nn1', t0 + 2 * WINDOW - 1, t0 + WINDOW - 1)).toBe('OK');
    expect(store.check('k\nn2', t0 + WINDOW, t0 + WINDOW)).toBe('OK');
    // Two rotations later its generation is dropped; its timestamp is still inside the window.
    const now = t0 + 2 * WINDOW;
    expect(store.check('fast\nn1', t0 + 2 * WINDOW - 1, now)).toBe('USED');
    // A client whose clock is a minute behind is still served.
    expect(store.check('slow\nn3', now - 60_000, now)).toBe('OK');
  });

  test("one app's flood of future-dated nonces neither pushes out nor refuses another app's", () => {
    const t0 = 20_000_000;
    const store = new NonceStore({ maxEntries: 10 }, t0);
    expect(store.check('victim\nv1', t0, t0)).toBe('OK');
    // Two capacities and more, stamped 14 minutes ahead, from one app.
    for (let i = 0; i < 25; i++) store.check(`flood\nn${i}`, t0 + 14 * 60_000, t0 + i);
    expect(store.check('victim\nv2', t0 + 30, t0 + 30)).toBe('OK');
    expect(store.check('victim\nv1', t0, t0 + 30)).toBe('USED');
    // The flooding app holds at most two generations.
    expect(store.size).toBeLessThanOrEqual(2 + 2 * 10);
  });
});
