/**
 * The plugin's TLS certificate: a fresh self-signed X.509 certificate,
 * encoded by hand since node:crypto signs but does not build certificates.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';

/**
 * A fresh self-signed certificate for the plugin's gRPC server. Terraform
 * (go-plugin) requires mutual TLS: the plugin announces its certificate in
 * the handshake line and Terraform trusts exactly that certificate for
 * `localhost`. node:crypto makes keys and signatures but not certificates,
 * so this module encodes the few DER structures of an X.509 v3 certificate
 * itself (ECDSA P-256 with SHA-256) rather than pulling in a dependency.
 */
export interface SelfSignedCertificate {
  /** PEM certificate. */
  readonly certPem: string;
  /** PEM private key (PKCS#8). */
  readonly keyPem: string;
  /** DER bytes of the certificate, what the handshake line carries. */
  readonly der: Buffer;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const explicit = (n: number, ...c: Buffer[]) => tlv(0xa0 + n, ...c);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const octets = (...c: Buffer[]) => tlv(0x04, ...c);
const bitString = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

function integer(bytes: Buffer): Buffer {
  // A positive INTEGER: strip leading zeros, add one back if the high bit is set.
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = bytes.subarray(i);
  return tlv(0x02, (body[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), TRUE, octets(value)) : sequence(oid(id), octets(value));
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/**
 * Makes a certificate for `localhost` (and 127.0.0.1) valid from an hour ago
 * for `days` days, usable by a TLS server and client and as its own CA, as
 * go-plugin's own certificates are.
 */
export function selfSignedCertificate(days = 30): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = sequence(set(sequence(oid('2.5.4.10'), utf8('apigw'))), set(sequence(oid('2.5.4.3'), utf8('localhost'))));
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;

  const extensions = explicit(
    3,
    sequence(
      // basicConstraints: CA
      extension('2.5.29.19', true, sequence(TRUE)),
      // keyUsage: digitalSignature, keyEncipherment, keyCertSign
      extension('2.5.29.15', true, tlv(0x03, Buffer.from([0x02, 0xa4]))),
      // extKeyUsage: serverAuth, clientAuth
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2'))),
      // subjectKeyIdentifier
      extension('2.5.29.14', false, octets(createHash('sha1').update(spki).digest())),
      // subjectAltName: DNS localhost, IP 127.0.0.1
      extension('2.5.29.17', false, sequence(tlv(0x82, Buffer.from('localhost')), tlv(0x87, Buffer.from([127, 0, 0, 1])))),
    ),
  );

  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_WITH_SHA256,
    name,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + days * 86_400_000))),
    name,
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));

  // Parse it back: a malformed encoding fails here, not in Terraform.
  const parsed = new X509Certificate(der);
  if (!parsed.verify(publicKey)) throw new Error('self-signed certificate does not verify');

  return {
    der,
    certPem: parsed.toString(),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
