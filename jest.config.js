/**
 * One jest configuration for every package. Tests run from TypeScript
 * sources (transpile-only; `tsc -b` type-checks before jest runs) and
 * workspace packages resolve to their sources, so a test never runs stale
 * build output. Tests that spawn a process run the built `dist/` code.
 */
const path = require('node:path');

const sources = {
  '^@apigw/schema$': '<rootDir>/schema/src/index.ts',
  '^@apigw/constructs$': '<rootDir>/packages/constructs/src/index.ts',
  '^@apigw/runtime$': '<rootDir>/packages/runtime/src/index.ts',
  '^@apigw/runtime/(.*)$': '<rootDir>/packages/runtime/src/$1',
  '^@apigw/provider$': '<rootDir>/packages/provider/src/index.ts',
  '^@apigw/provider/(.*)$': '<rootDir>/packages/provider/src/$1',
};

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/schema', '<rootDir>/packages'],
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: sources,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.test.json') }],
  },
  testTimeout: 60_000,
};
