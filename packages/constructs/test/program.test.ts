import { App, GatewayStack, ProgramExportError, stackFromProgram } from '@apigw/constructs';

function stack(): GatewayStack {
  const s = new GatewayStack('prog');
  new App(s, 'mobile');
  return s;
}

describe('stackFromProgram', () => {
  test.each([
    ['a default-exported stack', () => { const s = stack(); return [{ default: s }, s] as const; }],
    ['a default-exported function', () => { const s = stack(); return [{ default: () => s }, s] as const; }],
    ['a default-exported async function', () => { const s = stack(); return [{ default: async () => s }, s] as const; }],
    ['module.exports = stack (CommonJS)', () => { const s = stack(); return [s, s] as const; }],
    ['a CommonJS module loaded with import()', () => { const s = stack(); return [{ default: { default: s, __esModule: true } }, s] as const; }],
  ])('accepts %s', async (_, make) => {
    const [exported, expected] = make();
    await expect(stackFromProgram(exported, 'app.ts')).resolves.toBe(expected);
  });

  test.each([
    [{ stack: stack() }, 'app.ts must default-export a GatewayStack, or a function returning one (or a promise of one); found no default export (the module exports stack)'],
    [{ default: 42 }, 'found a number'],
    [{ default: () => ({ synth: () => ({}) }) }, 'found an object with keys synth'],
    [{ default: async () => new Map() }, 'found an object (Map) with keys (none)'],
  ])('refuses anything else, saying what it found', async (exported, message) => {
    const result = stackFromProgram(exported, 'app.ts');
    await expect(result).rejects.toThrow(ProgramExportError);
    await expect(result).rejects.toThrow(message);
  });

  test('lets an error thrown by the program through', async () => {
    const failure = new Error('missing QUICKSTART_USERS_TEST_URL');
    await expect(stackFromProgram({ default: () => { throw failure; } })).rejects.toBe(failure);
  });
});
