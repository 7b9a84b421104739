/**
 * App credentials, generated with the operating system's CSPRNG. Shapes
 * follow Alibaba Cloud API Gateway: a numeric AppKey, a 32-character
 * AppSecret and a 32-character hexadecimal AppCode.
 */
import { randomBytes, randomInt } from 'node:crypto';

/** A fresh numeric AppKey: nine digits, never starting with 0. */
export function newAppKey(): string {
  return String(randomInt(200_000_000, 1_000_000_000));
}

/** A fresh AppSecret: 32 hexadecimal characters (128 bits). */
export function newAppSecret(): string {
  return randomBytes(16).toString('hex');
}

/** A fresh AppCode: 32 hexadecimal characters (128 bits). */
export function newAppCode(): string {
  return randomBytes(16).toString('hex');
}
