/**
 * Certificate private keys are stored and served by the data plane, but no
 * read of the admin API returns them: not the state, not a change read,
 * not the group itself.
 */
import { connect } from 'node:tls';
import { generate } from 'selfsigned';
import { startHarness, type Harness } from './harness';

describe('certificate private keys stay in the gateway', () => {
  let h: Harness;
  let pems: { cert: string; private: string };
  const domain = 'secure.shop.localhost';

  beforeAll(async () => {
    pems = await generate([{ name: 'commonName', value: domain }], { keySize: 2048, extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: domain }] }] });
  });
  beforeEach(async () => {
    h = await startHarness({ tlsPort: 0 });
  });
  afterEach(() => h.close());

  test('GET /v1/state, ?since= and GET /v1/groups/{name} leave privateKeyPem out; HTTPS still uses the key', async () => {
    const spec = { name: 'shop', domains: [domain], certificates: [{ domain, certificatePem: pems.cert, privateKeyPem: pems.private }] };
    const created = await h.call('POST', '/v1/groups', { body: spec });
    expect(created.status).toBe(201);
    const keyBody = pems.private.split('\n')[1]!;

    const reads = [
      await h.call('GET', '/v1/state'),
      await h.call('GET', '/v1/state?since=0'),
      await h.call('GET', '/v1/state?stack=nobody'),
      await h.call('GET', '/v1/groups'),
      await h.call('GET', '/v1/groups/shop'),
      { status: 200, text: JSON.stringify(created.json) },
    ];
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(read.text).not.toContain('privateKeyPem');
      expect(read.text).not.toContain('PRIVATE KEY');
      expect(read.text).not.toContain(keyBody);
    }
    const group = (await h.call('GET', '/v1/groups/shop')).json;
    expect(group.spec.certificates).toEqual([{ domain, certificatePem: pems.cert }]);
    await expect(h.gateway.client.getState().then((s) => JSON.stringify(s))).resolves.not.toContain('PRIVATE KEY');

    // The stored key is what the data plane serves the domain with.
    const subject = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: h.gateway.tlsPort!, servername: domain, ca: pems.cert }, () => {
        resolve(String(socket.getPeerCertificate().subject.CN));
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(subject).toBe(domain);
  });
});
