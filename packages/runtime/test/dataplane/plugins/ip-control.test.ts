/**
 * IP control on its own: ALLOW and DENY lists for IPv4 and IPv6, per-app
 * lists, and the client address behind trusted proxies.
 */
import { blockListOf, checkAddress, checkApp, clientAddress, compileIpControl } from '../../../src/dataplane/plugins/ip-control';

describe('IP_CONTROL', () => {
  test('ALLOW passes listed IPv4 and IPv6 addresses (also IPv4-mapped) and refuses the rest', () => {
    const policy = compileIpControl({ mode: 'ALLOW', cidrs: ['10.0.0.0/8', '127.0.0.1', '2001:db8::/32', '::1'] });
    expect(checkAddress(policy, '10.200.3.4')).toBe('PASS');
    expect(checkAddress(policy, '::ffff:10.1.1.1')).toBe('PASS');
    expect(checkAddress(policy, '127.0.0.1')).toBe('PASS');
    expect(checkAddress(policy, '127.0.0.2')).toBe('REFUSE');
    expect(checkAddress(policy, '11.0.0.1')).toBe('REFUSE');
    expect(checkAddress(policy, '2001:db8:ffff::1')).toBe('PASS');
    expect(checkAddress(policy, '2001:db9::1')).toBe('REFUSE');
    expect(checkAddress(policy, '::1')).toBe('PASS');
    expect(checkAddress(policy, 'not-an-address')).toBe('REFUSE');
  });

  test('DENY refuses listed addresses only', () => {
    const policy = compileIpControl({ mode: 'DENY', cidrs: ['192.168.0.0/16', 'fe80::/10'] });
    expect(checkAddress(policy, '192.168.7.7')).toBe('REFUSE');
    expect(checkAddress(policy, 'fe80::1%eth0')).toBe('REFUSE');
    expect(checkAddress(policy, '192.169.0.1')).toBe('PASS');
    expect(checkAddress(policy, '2001:db8::1')).toBe('PASS');
  });

  test('per-app lists: ALLOW lets an app in from its own blocks, DENY keeps it out of them', () => {
    const allow = compileIpControl({ mode: 'ALLOW', cidrs: ['10.0.0.0/8'], apps: [{ app: 'partner', cidrs: ['203.0.113.0/24'] }] });
    expect(checkAddress(allow, '10.0.0.1')).toBe('PASS');
    expect(checkAddress(allow, '203.0.113.9')).toBe('NEEDS_APP');
    expect(checkApp(allow, '203.0.113.9', 'partner')).toBe(true);
    expect(checkApp(allow, '203.0.113.9', 'other')).toBe(false);
    expect(checkApp(allow, '203.0.113.9', null)).toBe(false);
    const deny = compileIpControl({ mode: 'DENY', cidrs: [], apps: [{ app: 'intern', cidrs: ['::/0', '0.0.0.0/0'] }] });
    expect(checkAddress(deny, '198.51.100.1')).toBe('NEEDS_APP');
    expect(checkApp(deny, '198.51.100.1', 'intern')).toBe(false);
    expect(checkApp(deny, '198.51.100.1', 'other')).toBe(true);
    expect(checkApp(deny, '198.51.100.1', null)).toBe(true);
  });

  test('a bad block throws a TypeError naming it', () => {
    expect(() => blockListOf(['10.0.0.0/33'])).toThrow(/prefix length "33"/);
    expect(() => blockListOf(['10.0.0'])).toThrow(/"10.0.0" is not an IPv4 or IPv6 address/);
  });
});

describe('client address', () => {
  const trusted = blockListOf(['127.0.0.1', '10.0.0.0/8', '::1']);

  test('X-Forwarded-For is ignored from a peer that is not a trusted proxy', () => {
    expect(clientAddress('198.51.100.7', '10.1.1.1', trusted)).toBe('198.51.100.7');
    expect(clientAddress('::ffff:198.51.100.7', '10.1.1.1', trusted)).toBe('198.51.100.7');
    expect(clientAddress('127.0.0.1', '203.0.113.5', null)).toBe('127.0.0.1');
  });

  test('from a trusted proxy, the rightmost address that is not a trusted proxy is the client', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.5', trusted)).toBe('203.0.113.5');
    // A client's own forged entry stays left of what the proxies appended.
    expect(clientAddress('127.0.0.1', '10.9.9.9, 203.0.113.5, 10.0.0.2', trusted)).toBe('203.0.113.5');
    expect(clientAddress('::1', ['2001:db8::7', '10.0.0.3'], trusted)).toBe('2001:db8::7');
    expect(clientAddress('127.0.0.1', '10.0.0.2, 10.0.0.3', trusted)).toBe('10.0.0.2');
    expect(clientAddress('127.0.0.1', 'garbage, 10.0.0.3', trusted)).toBe('garbage');
  });
});
