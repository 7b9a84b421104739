/**
 * apigw used the way a team uses it from its own repository: the root
 * README's "Use it in your own repository" blocks, run exactly as written —
 * pack the workspaces, make a fresh project in a temporary directory
 * outside this repository, install the tarballs there (their dependencies
 * from the npm registry, through the local npm cache when it has them),
 * write the README's gateway.ts, start `apigw serve`, then synth, plan,
 * apply, read the credentials and make signed and AppCode calls against the
 * running gateway. That project installs only apigw and TypeScript: the
 * second test shows it holds no Pulumi, CDKTF or gRPC, that each
 * integration of @apigw/provider, loaded there, names what to install, and
 * that running what it names makes the integration load.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { blocksUnder, commandsOf, isBackground, runCommand, startBackground, type Background, type CommandRun } from '../readme-commands';

const root = path.resolve(__dirname, '../../../..');
const readme = path.join(root, 'README.md');

jest.setTimeout(600_000);

describe('installing apigw outside the monorepo', () => {
  let project: string;
  let serve: Background | undefined;
  let backend: http.Server;
  let backendUrl: string;
  let env: NodeJS.ProcessEnv;
  const ran: CommandRun[] = [];

  beforeAll(async () => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-first-week-'));
    backend = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ servedBy: 'users', path: req.url }));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await serve?.stop();
    backend.closeAllConnections();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
    // Deleting an installed node_modules takes a while on a busy disk; rm finishes it after the test.
    spawn('rm', ['-rf', project], { detached: true, stdio: 'ignore' }).unref();
  });

  it('packs, installs, and runs synth, plan, apply and signed calls from a fresh project', async () => {
    expect(project.startsWith(root)).toBe(false);
    const blocks = blocksUnder(readme, 'Use it in your own repository');
    const shell = blocks.filter((b) => b.lang === 'sh');
    const program = blocks.find((b) => b.lang === 'ts');
    expect(shell).toHaveLength(3);
    expect(program).toBeDefined();

    // The environment of a user who set APIGW_HOME, plus what a shared test machine needs:
    // npm prefers its cache (offline-capable), servers take free ports.
    env = {
      ...process.env,
      APIGW_HOME: root,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      APIGW_PORT: '0',
      APIGW_ADMIN_PORT: '0',
      USERS_URL: backendUrl,
      NO_COLOR: '1',
    };
    for (const k of Object.keys(env)) if (k.startsWith('npm_package_') || k === 'npm_config_prefix' || k === 'INIT_CWD') delete env[k];

    const run = async (line: string, cwd: string) => {
      const r = await runCommand(line, cwd, env);
      ran.push(r);
      if (r.status !== 0) throw new Error(`\`${line}\` exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      return r;
    };

    // 1. In the checkout: pack.
    for (const line of commandsOf(shell[0]!)) await run(line, root);
    const tarballs = fs.readdirSync(path.join(root, 'dist-packages')).sort();
    const workspaces = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    expect(tarballs).toEqual(workspaces.map((w) => `apigw-${path.basename(w)}-0.1.0.tgz`).sort());
    const listing = spawnSync('tar', ['-tzf', path.join(root, 'dist-packages', 'apigw-provider-0.1.0.tgz')], { encoding: 'utf8' }).stdout;
    expect(listing).toContain('package/dist/cli/main.js');
    expect(listing).not.toContain('package/dist/demo/');

    // 2. In the new project: install. Between the packages and TypeScript, a program is
    // not type-checked (and says so), yet a misspelt prop is still refused when it runs.
    const typo = "import { ApiGroup, GatewayStack } from '@apigw/constructs';\nconst stack = new GatewayStack('shop');\nnew ApiGroup(stack, 'shop', { domians: ['api.shop.localhost'] });\nexport default stack;\n";
    fs.writeFileSync(path.join(project, 'typo.ts'), typo);
    for (const line of commandsOf(shell[1]!)) {
      await run(line, project);
      if (!line.includes('dist-packages')) continue;
      const unchecked = await runCommand('npx apigw validate -f typo.ts', project, env);
      expect(unchecked.status).toBe(1);
      expect(unchecked.stderr).toContain('Note: typo.ts was not type-checked: TypeScript is not installed in this project (npm install --save-dev typescript)');
      expect(unchecked.stderr).toContain('[shop/shop] /groups/0: ApiGroup has no prop "domians"; did you mean "domains"? [UNKNOWN_PROP]');
    }
    const checked = await runCommand('npx apigw validate -f typo.ts', project, env);
    expect(checked.status).toBe(1);
    expect(checked.stderr).toMatch(/typo\.ts:3:31 - error TS2561: .*'domians' does not exist in type 'ApiGroupProps'/);
    const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules/@apigw/provider/package.json'), 'utf8')) as { engines: { node: string } };
    expect(installed.engines.node).toBe('>=22.13');
    expect(fs.realpathSync(path.join(project, 'node_modules/@apigw/constructs')).startsWith(project)).toBe(true);

    // 3. The gateway program, as the README shows it.
    fs.writeFileSync(path.join(project, 'gateway.ts'), program!.text);

    // 4. Serve, synth, plan, apply, credentials, calls.
    const results = new Map<string, CommandRun>();
    for (const line of commandsOf(shell[2]!)) {
      if (isBackground(line)) {
        serve = startBackground(line, project, env);
        const [, data] = await serve.waitFor(/data plane listening on (\S+)/);
        const [, admin] = await serve.waitFor(/admin API listening on (\S+)/);
        env['APIGW_ENDPOINT'] = admin;
        env['APIGW_GATEWAY'] = data;
        continue;
      }
      results.set(line.replace(/\s+#.*$/, ''), await run(line, project));
    }
    const out = (cmd: string) => results.get(cmd)!.stdout;
    expect(out('npx apigw synth gateway.ts -o gateway.json')).toContain('Wrote gateway.json (stack shop).');
    const doc = JSON.parse(fs.readFileSync(path.join(project, 'gateway.json'), 'utf8')) as { backendServices: { environments: { RELEASE: { url: string } } }[] };
    expect(doc.backendServices[0]!.environments.RELEASE.url).toBe(backendUrl);
    expect(out('npx apigw plan -f gateway.json')).toContain('Plan: 5 to add, 0 to change, 0 to destroy.');
    expect(out('npx apigw apply -f gateway.json --auto-approve')).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
    expect(out('npx apigw credentials mobile')).toMatch(/AppCode: {3}\S+/);
    const signed = out('npx apigw call shop/getUser --path-param id=42');
    expect(signed).toContain('signed by app mobile');
    expect(signed).toContain('< 200');
    expect(signed).toContain('{"servedBy":"users","path":"/v1/users/42"}');
    const withCode = out('npx apigw call shop/getUser --path-param id=42 --app-code');
    expect(withCode).toContain('with the AppCode of app mobile');
    expect(withCode).toContain('< 200');
  });

  it('installs for the apigw command alone: no Pulumi, CDKTF or gRPC; each integration names the install that adds its toolchain, and that install works', async () => {
    const modules = path.join(project, 'node_modules');
    expect(fs.existsSync(path.join(modules, '@apigw/provider/package.json'))).toBe(true);
    const installed = packagesUnder(modules);
    expect(installed).toContain('commander');
    for (const pkg of ['@pulumi/pulumi', 'cdktf', 'cdktf-cli', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'google-protobuf']) expect([pkg, installed.has(pkg)]).toEqual([pkg, false]);
    // `npm install --save-dev typescript` chose a TypeScript that apigw type-checks with (its peer range), not TypeScript 7.
    const typescript = (JSON.parse(fs.readFileSync(path.join(modules, 'typescript/package.json'), 'utf8')) as { version: string }).version;
    expect(Number(typescript.split('.')[0])).toBeGreaterThanOrEqual(5);
    expect(Number(typescript.split('.')[0])).toBeLessThan(7);

    /** Requires `specifier` in the project: its error's code, message and install command, or what it exports. */
    const load = (specifier: string) => {
      const script =
        `try { const m = require(${JSON.stringify(specifier)}); process.stdout.write(JSON.stringify({ exports: Object.keys(m) })); }` +
        ' catch (e) { process.stdout.write(JSON.stringify({ code: e.code, message: e.message, install: e.install })); }';
      const r = spawnSync(process.execPath, ['-e', script], { cwd: project, env, encoding: 'utf8' });
      expect([r.status, r.status === 0 ? '' : r.stderr]).toEqual([0, '']);
      return JSON.parse(r.stdout) as { exports?: string[]; code?: string; message?: string; install?: string };
    };
    const peers = (JSON.parse(fs.readFileSync(path.join(modules, '@apigw/provider/package.json'), 'utf8')) as { peerDependencies: Record<string, string> }).peerDependencies;

    const pulumi = load('@apigw/provider/pulumi');
    expect(pulumi.code).toBe('APIGW_TOOLCHAIN_MISSING');
    expect(pulumi.install).toBe(`npm install "@pulumi/pulumi@${peers['@pulumi/pulumi']}"`);
    expect(pulumi.message).toBe(
      '@apigw/provider/pulumi needs @pulumi/pulumi, which is not installed in this project ' +
        `(the apigw command and the other integrations do not need it). Install: npm install "@pulumi/pulumi@${peers['@pulumi/pulumi']}"`,
    );

    // The Terraform plugin and its mirror installer say the same, in one line, without a stack trace.
    const grpc = `npm install "@grpc/grpc-js@${peers['@grpc/grpc-js']}" "@grpc/proto-loader@${peers['@grpc/proto-loader']}"`;
    const plugin = spawnSync(path.join(modules, '.bin/terraform-provider-apigw'), [], { cwd: project, env, encoding: 'utf8' });
    expect(plugin.status).toBe(1);
    expect(plugin.stderr).toBe(
      `terraform-provider-apigw needs @grpc/grpc-js and @grpc/proto-loader, which are not installed in this project (the apigw command and the other integrations do not need them). Install: ${grpc}\n`,
    );
    const installTerraformProvider = () =>
      spawnSync(process.execPath, [path.join(modules, '@apigw/provider/scripts/install-terraform-provider.js'), path.join(project, 'mirror')], { cwd: project, env, encoding: 'utf8' });
    const refused = installTerraformProvider();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(plugin.stderr);
    expect(fs.existsSync(path.join(project, 'mirror'))).toBe(false);

    /** Runs the install command an error named, in the project. */
    const install = async (command: string) => {
      const r = await runCommand(command, project, env);
      expect([command, r.status, r.status === 0 ? '' : r.stderr]).toEqual([command, 0, '']);
    };

    // Each command named installs what its integration needs, and the others stay absent.
    await install(grpc);
    const started = spawnSync(path.join(modules, '.bin/terraform-provider-apigw'), [], { cwd: project, env, encoding: 'utf8' });
    expect([started.status, started.stderr]).toEqual([1, expect.stringContaining('This binary is a plugin for Terraform. It is not meant to be run directly')]);
    expect(installTerraformProvider().status).toBe(0);
    expect(['@pulumi/pulumi', 'cdktf'].filter((pkg) => packagesUnder(modules).has(pkg))).toEqual([]);

    const cdktf = load('@apigw/provider/cdktf');
    expect(cdktf.code).toBe('APIGW_TOOLCHAIN_MISSING');
    expect(cdktf.install).toBe(`npm install "cdktf@${peers['cdktf']}"`);
    await install(cdktf.install!);
    expect(load('@apigw/provider/cdktf').exports).toEqual(expect.arrayContaining(['ApigwResources', 'documentFromTfJson']));
    expect(packagesUnder(modules).has('@pulumi/pulumi')).toBe(false);
    expect(load('@apigw/provider/pulumi').code).toBe('APIGW_TOOLCHAIN_MISSING');

    await install(pulumi.install!);
    expect(load('@apigw/provider/pulumi').exports).toEqual(expect.arrayContaining(['ApiGroup', 'GatewayStackResources']));
    const afterPulumi = (JSON.parse(fs.readFileSync(path.join(modules, 'typescript/package.json'), 'utf8')) as { version: string }).version;
    expect(afterPulumi).toBe(typescript);

    // A TypeScript outside that range (7, whose package no longer exports the compiler API) is named, and the program still runs checked for unknown props.
    const ts7 = await runCommand('npm install --save-dev typescript@7', project, env);
    expect([ts7.status, ts7.status === 0 ? '' : ts7.stderr]).toEqual([0, '']);
    const unchecked = await runCommand('npx apigw validate -f typo.ts', project, env);
    expect(unchecked.status).toBe(1);
    expect(unchecked.stderr).toMatch(/Note: typo\.ts was not type-checked: TypeScript 7\.\d+\.\d+ is not a version apigw type-checks with: it uses the compiler API of TypeScript 5 to 6 \(npm install --save-dev "typescript@<7"\)/);
    expect(unchecked.stderr).toContain('[shop/shop] /groups/0: ApiGroup has no prop "domians"; did you mean "domains"? [UNKNOWN_PROP]');
  });
});

/** The names of the packages installed under a node_modules directory, nested copies included. */
function packagesUnder(nodeModules: string): Set<string> {
  const names = new Set<string>();
  const add = (name: string, dir: string) => {
    names.add(name);
    const nested = path.join(dir, 'node_modules');
    if (fs.existsSync(nested)) visit(nested);
  };
  const visit = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      if (!entry.name.startsWith('@')) add(entry.name, path.join(dir, entry.name));
      else for (const scoped of fs.readdirSync(path.join(dir, entry.name))) add(`${entry.name}/${scoped}`, path.join(dir, entry.name, scoped));
    }
  };
  visit(nodeModules);
  return names;
}
