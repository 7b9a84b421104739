import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DocumentInvalidError } from '@apigw/schema';
import { tfJsonSource } from '../../src/cdktf/tf-json-source';
import { DOCUMENT_SOURCES, loadDocument } from '../../src/desired';

/** The sources as the CLI composes them. */
const SOURCES = [tfJsonSource, ...DOCUMENT_SOURCES];
import { SourceInvalidError } from '../../src/errors';

const fixtures = path.join(__dirname, 'fixtures');
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-desired-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe('JSON documents', () => {
  it('loads and fills defaults', async () => {
    const file = write('gateway.json', JSON.stringify({ apiVersion: 'apigw/v1', stack: 'shop', groups: [{ name: 'shop' }] }));
    const loaded = await loadDocument(file, SOURCES);
    expect(loaded.document.groups[0]).toEqual({ name: 'shop', basePath: '/', domains: [], certificates: [] });
    expect(loaded.file).toBe(file);
  });

  it('names the line and column of a syntax error', async () => {
    const file = write('gateway.json', '{\n  "apiVersion": "apigw/v1",\n  "stack": shop\n}');
    await expect(loadDocument(file, SOURCES)).rejects.toThrow(/line 3, column 12/);
  });

  it('reports every problem with its JSON pointer', async () => {
    const file = write('gateway.json', JSON.stringify({ apiVersion: 'apigw/v1', stack: 'shop', apps: [{ name: 'ab' }], groups: [{ name: 'shop', domainz: [] }] }));
    const error = await loadDocument(file, SOURCES).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentInvalidError);
    expect((error as DocumentInvalidError).problems.map((p) => p.pointer).sort()).toEqual(['/apps/0/name', '/groups/0/domainz']);
  });

  it('says when the file is missing or of an unknown type', async () => {
    await expect(loadDocument(path.join(dir, 'nope.json'), SOURCES)).rejects.toThrow(new SourceInvalidError(path.join(dir, 'nope.json'), 'no such file'));
    await expect(loadDocument(write('gateway.yaml', 'stack: shop'), SOURCES)).rejects.toThrow(/unknown file type/);
  });

  it('hands synthesized CDKTF stacks to their own reader, not the document one', async () => {
    const loaded = await loadDocument(write('cdk.tf.json', '{}'), SOURCES);
    expect(loaded.source).toBe('synthesized CDKTF stack');
  });
});

describe('constructs programs', () => {
  it('synthesizes the stack a TypeScript program exports', async () => {
    const loaded = await loadDocument(path.join(fixtures, 'app.ts'), SOURCES);
    expect(loaded.source).toBe('constructs program');
    expect(loaded.document.stack).toBe('fixture');
    expect(loaded.document.backendServices[0]!.environments.RELEASE).toEqual({ url: 'http://127.0.0.1:9001' });
    expect(loaded.document.apis.map((a) => `${a.group}/${a.name}`)).toEqual(['shop/listUsers']);
  });

  it('reports problems with the construct path', async () => {
    await expect(loadDocument(path.join(fixtures, 'broken-app.ts'), SOURCES)).rejects.toThrow(/\[fixture\/shop\/listUsers\] \/apis\/0\/stages\/0: .*RELEASE/);
  });

  it('refuses a module that exports no stack', async () => {
    await expect(loadDocument(path.join(fixtures, 'no-stack.js'), SOURCES)).rejects.toThrow(/notAStack/);
  });
});
