#!/usr/bin/env node
/**
 * Writes `batch.schema.json` from the kind registry (`src/batch-schema.ts`):
 * its `Kind` enum and `SpecOfKind` list the built-in kinds, so the shipped
 * contract of `POST /v1/batch` names every kind the gateway accepts. The
 * registry is read from the TypeScript sources (compiled in memory), so
 * this runs before a build.
 *
 * `--check` compares instead of writing and exits 1 on drift.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const outFile = path.join(root, 'batch.schema.json');

// Load src/*.ts as CommonJS: types stripped, imports resolved as tsc would.
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(outputText, filename);
};

const { batchSchemaText } = require(path.join(root, 'src', 'batch-schema.ts'));
const text = batchSchemaText();
if (process.argv.includes('--check')) {
  const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), outFile)} is out of date with the kind registry; run npm run generate -w @apigw/schema`);
    process.exit(1);
  }
  console.log('batch schema matches the kind registry');
} else {
  fs.writeFileSync(outFile, text);
  console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
}
