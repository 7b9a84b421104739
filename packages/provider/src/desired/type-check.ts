/**
 * Type-checks a TypeScript constructs program before it runs. jiti, which
 * runs `.ts` programs, strips types without checking them; `apigw validate`
 * and `apigw plan` check them with the TypeScript compiler of the user's
 * project (or, failing that, the one apigw was built with), using the
 * nearest tsconfig.json, so a program that would not compile is not
 * planned. Without a TypeScript it can use the check is skipped, and the
 * caller says so.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';

/** The outcome of type-checking a program. */
export type TypeCheckResult =
  | { readonly checked: true; readonly errors: readonly string[] }
  | { readonly checked: false; readonly reason: string };

/** Whether a `-f` file is TypeScript (and so can be type-checked). */
export function isTypeScript(file: string): boolean {
  return /\.(ts|mts|cts)$/.test(file) && !file.endsWith('.d.ts');
}

/**
 * The TypeScript major versions whose compiler API the check uses: from 5
 * (Node16 resolution, the options below) up to, not including, 7 — the
 * native compiler, whose main module is only its version (its API is
 * elsewhere, unstable, and out of process). package.json declares the same
 * range as an optional peer dependency, so that `npm install --save-dev
 * typescript` beside apigw picks a version in it; a test keeps the two equal.
 */
export const TYPESCRIPT_MAJORS = { from: 5, below: 7 } as const;

/** Whether `ts` is a TypeScript whose compiler API the check can use. */
function usable(ts: typeof TS): boolean {
  const major = Number(String(ts.version).split('.')[0]);
  return typeof ts.createProgram === 'function' && major >= TYPESCRIPT_MAJORS.from && major < TYPESCRIPT_MAJORS.below;
}

/** The project's TypeScript (else apigw's own), or why there is none the check can use. */
function loadTypeScript(file: string): { readonly ts: typeof TS } | { readonly reason: string } {
  let unusable: string | undefined;
  for (const from of [path.dirname(path.resolve(file)), __dirname]) {
    let ts: typeof TS;
    try {
      ts = require(require.resolve('typescript', { paths: [from] })) as typeof TS;
    } catch {
      continue; // not installed there
    }
    if (usable(ts)) return { ts };
    unusable ??=
      `TypeScript ${String(ts.version)} is not a version apigw type-checks with: it uses the compiler API of TypeScript ` +
      `${TYPESCRIPT_MAJORS.from} to ${TYPESCRIPT_MAJORS.below - 1} (npm install --save-dev "typescript@<${TYPESCRIPT_MAJORS.below}")`;
  }
  return { reason: unusable ?? 'TypeScript is not installed in this project (npm install --save-dev typescript)' };
}

/** Type-checks FILE (and what it imports); errors are formatted `file:line:col - error TSnnnn: message`. */
export function typeCheck(file: string): TypeCheckResult {
  const loaded = loadTypeScript(file);
  if (!('ts' in loaded)) return { checked: false, reason: loaded.reason };
  const { ts } = loaded;
  const absolute = path.resolve(file);
  const defaults: TS.CompilerOptions = {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    esModuleInterop: true,
    skipLibCheck: true,
  };
  let options = defaults;
  const configFile = ts.findConfigFile(path.dirname(absolute), ts.sys.fileExists);
  if (configFile !== undefined) {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error === undefined) options = { ...ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile)).options };
  }
  options = { ...options, noEmit: true, skipLibCheck: true, composite: false, incremental: false, declaration: false, declarationMap: false };
  // Only checking one program: where the project would emit does not apply.
  delete options.tsBuildInfoFile;
  delete options.rootDir;
  delete options.outDir;
  delete options.declarationDir;
  const program = ts.createProgram([absolute], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  const cwd = process.cwd();
  const errors = diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n    ');
    if (d.file === undefined || d.start === undefined) return `error TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const name = path.relative(cwd, d.file.fileName) || d.file.fileName;
    return `${name}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
  });
  return { checked: true, errors };
}
