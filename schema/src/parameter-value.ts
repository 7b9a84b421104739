import type { ParameterType } from './document.generated';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * Whether a raw parameter value parses as its declared type. Shared by the
 * document validator (defaults) and the data plane (request values), so a
 * default the validator accepts is a value the gateway accepts.
 */
export function parsesAs(type: ParameterType, raw: string): boolean {
  switch (type) {
    case 'STRING':
      return true;
    case 'INT':
    case 'LONG': {
      if (!INTEGER.test(raw) || raw.length > 21) return false;
      const n = BigInt(raw);
      return type === 'INT' ? n >= INT_MIN && n <= INT_MAX : n >= LONG_MIN && n <= LONG_MAX;
    }
    case 'FLOAT':
    case 'DOUBLE': {
      if (!DECIMAL.test(raw)) return false;
      const n = Number(raw);
      return Number.isFinite(n) && (type === 'DOUBLE' || Math.abs(n) <= 3.4028234663852886e38);
    }
    case 'BOOLEAN':
      return raw === 'true' || raw === 'false';
  }
}
