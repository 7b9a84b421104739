import { ProgramExportError } from './errors';
import { GatewayStack } from './gateway-stack';

/**
 * What a constructs program module may default-export: a GatewayStack, or a
 * function (called with no arguments) returning one or a promise of one.
 */
export type ProgramExport = GatewayStack | (() => GatewayStack | Promise<GatewayStack>);

/**
 * The GatewayStack a loaded constructs program defines. `moduleExports` is
 * what `import()` or `require()` returned for the program file; its
 * `default` export is used (a CommonJS module may also assign the stack or
 * function to `module.exports` itself). Throws ProgramExportError naming
 * `source` when the export is anything else.
 */
export async function stackFromProgram(moduleExports: unknown, source = 'the program'): Promise<GatewayStack> {
  let exported = moduleExports;
  // import() of a compiled CommonJS module nests its exports under `default` once more.
  for (let depth = 0; depth < 2 && isObject(exported) && !GatewayStack.isGatewayStack(exported) && 'default' in exported; depth++)
    exported = exported.default;
  if (typeof exported === 'function') exported = await (exported as () => unknown)();
  if (GatewayStack.isGatewayStack(exported)) return exported;
  if (exported === moduleExports && isObject(exported) && !('default' in exported))
    throw new ProgramExportError(source, `no default export (the module exports ${Object.keys(exported).join(', ') || 'nothing'})`);
  throw new ProgramExportError(source, describe(exported));
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object';
}

function describe(x: unknown): string {
  if (x === undefined) return 'no default export';
  if (x === null) return 'null';
  if (isObject(x)) return `an object${x.constructor && x.constructor !== Object ? ` (${x.constructor.name})` : ''} with keys ${Object.keys(x).join(', ') || '(none)'}`;
  return `a ${typeof x}`;
}
