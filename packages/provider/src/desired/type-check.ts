/**
 * Type-checks a TypeScript constructs program before it runs. jiti, which
 * runs `.ts` programs, strips types without checking them; `apigw validate`
 * and `apigw plan` check them with the TypeScript compiler of the user's
 * project (or, failing that, the one apigw was built with), using the
 * nearest tsconfig.json, so a program that would not compile is not
 * planned. Without TypeScript installed the check is skipped, and the
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

function loadTypeScript(file: string): typeof TS | undefined {
  for (const from of [path.dirname(path.resolve(file)), __dirname]) {
    try {
      return require(require.resolve('typescript', { paths: [from] })) as typeof TS;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** Type-checks FILE (and what it imports); errors are formatted `file:line:col - error TSnnnn: message`. */
export function typeCheck(file: string): TypeCheckResult {
  const ts = loadTypeScript(file);
  if (ts === undefined) return { checked: false, reason: 'TypeScript is not installed in this project (npm install --save-dev typescript)' };
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
