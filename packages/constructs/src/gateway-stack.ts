import { Construct, type IConstruct } from 'constructs';
import { KINDS, canonicalJson, kindInfo, validateDocument, type GatewayDocument, type GatewayDocumentInput, type Imports } from '@apigw/schema';
import { NotInStackError, SynthError, type SynthProblem } from './errors';
import { STACK_BRAND, brand, hasBrand, resourceState, tryFindStack, type RenderContext } from './private';

/** Properties of a GatewayStack. */
export interface GatewayStackProps {
  /**
   * Name of the stack: the document's `stack`, which owns every resource the
   * stack defines. The reconciler never touches resources of other stacks.
   *
   * @default the construct id
   */
  readonly stackName?: string;
}

type Collection = (typeof KINDS)[number]['collection'];
type ImportCollection = keyof Imports;

/**
 * The root of a gateway's construct tree: everything defined under it is
 * one document. `synth()` turns the tree into that document, validated and
 * in canonical form, so the same program always yields the same bytes.
 *
 * ```ts
 * const stack = new GatewayStack('shop');
 * const users = new BackendService(stack, 'users', { type: 'HTTP' });
 * users.addEnvironment('RELEASE', { url: 'http://127.0.0.1:9002' });
 * ```
 */
export class GatewayStack extends Construct {
  /** True for any GatewayStack, even one made by another copy of this package. */
  static isGatewayStack(x: unknown): x is GatewayStack {
    return hasBrand(x, STACK_BRAND);
  }

  /** The nearest GatewayStack at or above `construct`; throws NotInStackError when there is none. */
  static of(construct: IConstruct): GatewayStack {
    const stack = tryFindStack(construct);
    if (!stack) throw new NotInStackError(construct.node.path);
    return stack as GatewayStack;
  }

  /** The document's `stack`. */
  readonly stackName: string;

  /** A root stack: the construct id is the stack name unless `props.stackName` says otherwise. */
  constructor(name: string, props?: GatewayStackProps);
  /** A stack inside another construct tree (for example a CDKTF or Pulumi program). */
  constructor(scope: Construct, id: string, props?: GatewayStackProps);
  constructor(scopeOrName: Construct | string, idOrProps?: string | GatewayStackProps, maybeProps?: GatewayStackProps) {
    const isRoot = typeof scopeOrName === 'string';
    const id = isRoot ? scopeOrName : String(idOrProps);
    const props = (isRoot ? (idOrProps as GatewayStackProps | undefined) : maybeProps) ?? {};
    // A root construct has no scope; `constructs` documents `undefined` for it.
    super(isRoot ? (undefined as unknown as Construct) : scopeOrName, id);
    brand(this, STACK_BRAND);
    this.stackName = props.stackName ?? id;
  }

  /**
   * Synthesizes the document: runs every construct's validations, renders
   * each resource, validates the result against the JSON Schema and the
   * document rules, and returns it with defaults filled in, resources sorted
   * by identity and keys sorted. Throws SynthError listing every problem,
   * each with the construct path and the JSON pointer.
   */
  synth(): GatewayDocument {
    const owned = this.node.findAll().filter((c) => tryFindStack(c) === this);
    const pathAt = new Map<string, string>([['', this.node.path]]);
    const pointerOf = new Map<IConstruct, string>();
    const collections = Object.fromEntries(KINDS.map((k) => [k.collection, [] as unknown[]])) as Record<Collection, unknown[]>;
    const imported = new Map<ImportCollection, Map<string, string>>();

    for (const c of owned) {
      const state = resourceState(c);
      if (!state || state.imported) continue;
      const ctx: RenderContext = {
        ref: (kind, target, name) => {
          // Imports, plain references and (reported as FOREIGN_REFERENCE) other stacks' resources are known by name only.
          const targetState = resourceState(target);
          if (!targetState || targetState.imported || tryFindStack(target as IConstruct) !== this) {
            const collection = kindInfo(kind).collection as ImportCollection;
            const names = imported.get(collection) ?? new Map<string, string>();
            imported.set(collection, names);
            if (!names.has(name)) names.set(name, targetState ? (target as IConstruct).node.path : c.node.path);
          }
          return name;
        },
      };
      const list = collections[kindInfo(state.kind).collection];
      const pointer = `/${kindInfo(state.kind).collection}/${list.length}`;
      list.push(state.render(ctx));
      pointerOf.set(c, pointer);
      pathAt.set(pointer, c.node.path);
    }

    const doc: GatewayDocumentInput = { apiVersion: 'apigw/v1', stack: this.stackName, ...collections } as GatewayDocumentInput;
    if (imported.size > 0) {
      const imports: Imports = {};
      for (const [collection, names] of [...imported].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const sorted = [...names.keys()].sort();
        imports[collection] = sorted;
        sorted.forEach((name, i) => pathAt.set(`/imports/${collection}/${i}`, names.get(name)!));
      }
      doc.imports = imports;
    }

    const problems: SynthProblem[] = [];
    for (const c of owned) {
      const messages = c.node.validate();
      if (messages.length === 0) continue;
      const base = pointerOf.get(c) ?? '';
      const state = resourceState(c);
      const coded = state && !state.imported ? state.checks() : [];
      const unexplained = [...messages];
      for (const check of coded) {
        const i = unexplained.indexOf(check.message);
        if (i >= 0) unexplained.splice(i, 1);
        problems.push({ code: check.code, path: c.node.path, pointer: base + check.at, message: check.message });
      }
      for (const message of unexplained) problems.push({ code: 'CONSTRUCT_INVALID', path: c.node.path, pointer: base, message });
    }

    const result = validateDocument(doc);
    if (!result.ok)
      for (const p of result.problems) problems.push({ code: p.code, path: constructPathOf(p.pointer, pathAt), pointer: p.pointer, message: p.message });
    if (problems.length > 0 || !result.ok) throw new SynthError(this.node.path, problems);
    return JSON.parse(canonicalJson(result.value)) as GatewayDocument;
  }

  /** The synthesized document as pretty, canonical JSON with a trailing newline: the text of `gateway.json`. */
  toJson(): string {
    return `${canonicalJson(this.synth(), 2)}\n`;
  }
}

/** The construct that defines the value at `pointer`: the one registered at its longest prefix. */
function constructPathOf(pointer: string, pathAt: ReadonlyMap<string, string>): string {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const path = pathAt.get(p);
    if (path !== undefined) return path;
    if (p === '') return pathAt.get('')!;
  }
}
