/**
 * apigw on a Node.js older than it needs: the CLI says which version it
 * needs and how to get it, before anything fails obscurely (on Node 20,
 * `node:sqlite` does not exist). Every package declares the same engines.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../../..');
const bin = path.join(root, 'packages/provider/bin/apigw.js');
const { tooOld } = require('../../bin/require-node.js') as { tooOld(version: string, execPath: string): string | null };

/** Node.js binaries on this machine outside the project (the system's), with their versions. */
function systemNodes(): { file: string; version: string }[] {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node', ...(process.env['PATH'] ?? '').split(':').filter((d) => d !== '' && !d.includes('node_modules')).map((d) => path.join(d, 'node'))];
  const seen = new Set<string>();
  const found: { file: string; version: string }[] = [];
  for (const file of candidates) {
    if (!fs.existsSync(file)) continue;
    const real = fs.realpathSync(file);
    if (seen.has(real) || real === fs.realpathSync(process.execPath)) continue;
    seen.add(real);
    const r = spawnSync(file, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) found.push({ file, version: r.stdout.trim() });
  }
  return found;
}

describe('the Node.js apigw needs', () => {
  it('is declared in every package', () => {
    const workspaces = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    expect(workspaces.length).toBeGreaterThanOrEqual(4);
    for (const dir of ['.', ...workspaces]) {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as { engines?: { node?: string } };
      expect([dir, pkg.engines?.node]).toEqual([dir, '>=22.13']);
    }
  });

  it('is named, with how to get it, for versions before 22.13', () => {
    expect(tooOld('20.20.2', '/usr/bin/node')).toMatch(/^apigw needs Node\.js 22\.13 or newer; this is Node\.js 20\.20\.2 \(\/usr\/bin\/node\)\.\nGet Node\.js 22 LTS:\n.*nvm install 22/);
    expect(tooOld('22.12.0', 'node')).toContain('needs Node.js 22.13');
    expect(tooOld('v18.0.0', 'node')).toContain('this is Node.js v18.0.0');
    expect(tooOld('22.13.0', 'node')).toBeNull();
    expect(tooOld('24.1.0', 'node')).toBeNull();
    expect(tooOld(process.versions.node, process.execPath)).toBeNull();
  });

  it("stops `apigw` on the machine's own Node.js when it is older, and runs on this one", () => {
    const ok = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect([ok.status, ok.stdout.trim()]).toEqual([0, '0.1.0']);
    const nodes = systemNodes();
    expect(nodes.length).toBeGreaterThan(0);
    for (const { file, version } of nodes) {
      if (tooOld(version, file) !== null) {
        const run = spawnSync(file, [bin, 'serve', '--port', '0', '--admin-port', '0'], { encoding: 'utf8', timeout: 30_000 });
        expect(run.status).toBe(1);
        expect(run.stderr).toContain(`apigw needs Node.js 22.13 or newer; this is Node.js ${version.replace(/^v/, '')} (${file})`);
        expect(run.stderr).not.toContain('node:sqlite');
      } else {
        const version = spawnSync(file, [bin, '--version'], { encoding: 'utf8' });
        expect(version.status).toBe(0);
      }
    }
  });
});
