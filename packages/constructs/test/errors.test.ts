import { ApigwError, PROBLEM_CODES } from '@apigw/schema';
import * as constructs from '@apigw/constructs';
import {
  CONSTRUCTS_ERROR_CODES,
  CONSTRUCT_PROBLEM_CODES,
  ConflictingAuthorizationError,
  DuplicateEnvironmentError,
  NotInStackError,
  ProgramExportError,
  SynthError,
} from '@apigw/constructs';

describe('error codes', () => {
  test('every exported error class has a documented code, and every documented code has a class', () => {
    const samples = [
      new SynthError('shop', []),
      new NotInStackError('loose/app'),
      new DuplicateEnvironmentError('shop/users', 'TEST'),
      new ConflictingAuthorizationError('shop/mobile/shop.getUser', undefined, '2030-01-01T00:00:00Z'),
      new ProgramExportError('app.ts', 'a number'),
    ];
    // Every exported class deriving from ApigwError is sampled above.
    const exportedErrors = Object.values(constructs as Record<string, unknown>).filter(
      (v): v is abstract new (...args: never[]) => unknown => typeof v === 'function' && v.prototype instanceof ApigwError,
    );
    const names = (classes: readonly { name: string }[]) => classes.map((c) => c.name).sort();
    expect(names(exportedErrors)).toEqual(names(samples.map((s) => s.constructor)));
    expect(samples.map((s) => s.code).sort()).toEqual(Object.keys(CONSTRUCTS_ERROR_CODES).sort());
    for (const s of samples) {
      expect(s).toBeInstanceOf(ApigwError);
      expect(s.name).toBe(s.constructor.name);
      expect(s.message.length).toBeGreaterThan(10);
    }
  });

  test('construct problem codes do not collide with document problem codes', () => {
    for (const code of Object.keys(CONSTRUCT_PROBLEM_CODES)) expect(code in PROBLEM_CODES).toBe(false);
  });
});
