/**
 * The CLI reaches an admin API served over HTTPS with a certificate from a
 * private CA: `--ca FILE` or APIGW_CA names the CA; without it the
 * connection is refused, and the token is still required.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createGateway, type Gateway } from '@apigw/runtime';
import { generate } from 'selfsigned';
import { main } from '../../src/cli';

async function run(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (d: Buffer) => (stdout += d.toString()));
  const err = new PassThrough().on('data', (d: Buffer) => (stderr += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, { stdout: out, stderr: err, stdin, env: { NO_COLOR: '1', ...env } });
  return { code, stdout, stderr };
}

describe('apigw against an HTTPS admin API', () => {
  let dir: string;
  let gateway: Gateway;
  let caFile: string;
  const doc = { apiVersion: 'apigw/v1', stack: 'tls', apps: [{ name: 'mobile' }] };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apigw-admin-tls-'));
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
    });
    caFile = path.join(dir, 'admin-ca.pem');
    fs.writeFileSync(caFile, pems.cert);
    gateway = await createGateway({ dataDir: path.join(dir, 'data'), port: 0, adminPort: 0, adminToken: 'tls-token', adminTls: { cert: pems.cert, key: pems.private } });
    fs.writeFileSync(path.join(dir, 'doc.json'), JSON.stringify(doc));
  });
  afterAll(async () => {
    await gateway.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--ca and APIGW_CA make the certificate trusted; without them the CLI refuses the connection', async () => {
    expect(gateway.adminUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const env = { APIGW_ENDPOINT: gateway.adminUrl, APIGW_TOKEN: 'tls-token' };
    const docFile = path.join(dir, 'doc.json');

    const untrusted = await run(['apply', '-f', docFile, '--auto-approve'], env);
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.stderr).toMatch(/certificate|self.signed/i);
    expect(await gateway.client.getResource('app', 'mobile')).toBeUndefined();

    const applied = await run(['--ca', caFile, 'apply', '-f', docFile, '--auto-approve'], env);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(await gateway.client.getResource('app', 'mobile')).toBeDefined();

    const exported = await run(['export', '--stack', 'tls'], { ...env, APIGW_CA: caFile });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('mobile');

    const wrongToken = await run(['--ca', caFile, 'export', '--stack', 'tls'], { ...env, APIGW_TOKEN: 'nope' });
    expect(wrongToken.code).not.toBe(0);
    expect(wrongToken.stderr).toContain('APIGW_UNAUTHORIZED');

    const missing = await run(['--ca', path.join(dir, 'nothing.pem'), 'export', '--stack', 'tls'], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("cannot read the admin endpoint's CA");
  });
});
