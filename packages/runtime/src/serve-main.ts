#!/usr/bin/env node
/** Process entry of the embedded gateway: `node serve-main.js [serve options]`. */
import { runServe } from './serve';

runServe(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`apigw serve: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
