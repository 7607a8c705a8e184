import { describe, expect, it } from 'vitest';
import { isForbiddenAddress, redactRefusal } from '../../lib/webhooks/safeTarget';

/**
 * Which addresses a webhook may reach when private targets are refused: the pure judgement, address by address.
 * Every IPv6 form that carries an IPv4 address is judged by it (or refused outright), and nothing outside the
 * global unicast 2000::/3 is reached.
 */
const refused: [string, string][] = [
  // IPv4
  ['0.0.0.0', 'unspecified / this network'],
  ['0.1.2.3', 'this network 0/8'],
  ['10.0.0.1', 'private 10/8'],
  ['10.255.255.255', 'private 10/8, last'],
  ['100.64.0.1', 'CGNAT 100.64/10'],
  ['100.127.255.254', 'CGNAT 100.64/10, last'],
  ['127.0.0.1', 'loopback'],
  ['127.53.0.9', 'loopback 127/8'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['172.16.0.1', 'private 172.16/12'],
  ['172.31.255.255', 'private 172.16/12, last'],
  ['192.0.0.8', 'IETF protocol assignments 192.0.0/24'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['192.168.1.1', 'private 192.168/16'],
  ['198.18.0.1', 'benchmarking 198.18/15'],
  ['198.19.255.1', 'benchmarking 198.18/15, upper half'],
  ['198.51.100.7', 'TEST-NET-2'],
  ['203.0.113.9', 'TEST-NET-3'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast (SSDP)'],
  ['240.0.0.1', 'reserved 240/4'],
  ['255.255.255.255', 'limited broadcast'],
  // IPv6 specials
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['fc00::1', 'unique-local fc00::/7'],
  ['fd12:3456:789a::1', 'unique-local fd00::/8'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local with a zone'],
  ['febf:ffff::1', 'link-local fe80::/10, last'],
  ['fec0::1', 'site-local (deprecated)'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast, site scope'],
  ['2001:db8::1', 'documentation'],
  ['2001:db8:ffff::1', 'documentation, upper'],
  ['3fff::1', 'documentation 3fff::/20'],
  ['100::1', 'discard-only 100::/64'],
  ['4000::1', 'outside 2000::/3 (unassigned)'],
  ['1::1', 'outside 2000::/3'],
  ['e000::1', 'outside 2000::/3'],
  // IPv4 inside IPv6
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::FFFF:7F00:1', 'IPv4-mapped loopback, hex upper case'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:a9fe:a9fe', 'IPv4-mapped metadata, hex'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'IPv4-mapped 192.168.1.1, full form'],
  ['::ffff:0:7f00:1', 'IPv4-translated (SIIT) loopback'],
  ['::ffff:0:8.8.8.8', 'IPv4-translated, even of a public address (outside 2000::/3)'],
  ['::127.0.0.1', 'IPv4-compatible loopback (deprecated)'],
  ['::7f00:1', 'IPv4-compatible loopback, hex'],
  ['::8.8.8.8', 'IPv4-compatible, even of a public address (deprecated, outside 2000::/3)'],
  ['64:ff9b::127.0.0.1', 'NAT64 of loopback'],
  ['64:ff9b::7f00:1', 'NAT64 of loopback, hex'],
  ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
  ['64:ff9b::10.1.2.3', 'NAT64 of a private address'],
  ['64:ff9b:1::1', 'NAT64 local-use 64:ff9b:1::/48'],
  ['64:ff9b:1::808:808', 'NAT64 local-use, even of a public address'],
  ['64:ff9b:0:1::808:808', 'inside 64:ff9b::/32 but not the well-known /96'],
  ['2002:a9fe:a9fe::', '6to4 of the metadata address'],
  ['2002:7f00:1::1', '6to4 of loopback'],
  ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
  ['2002:a00:1::', '6to4 of 10.0.0.1'],
  ['2001::1', 'Teredo 2001::/32'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo, a real-looking one'],
  ['2001:2::1', 'benchmarking 2001:2::/48'],
  ['2001:10::1', 'ORCHID'],
  ['2001:20::1', 'ORCHIDv2'],
  // Not addresses at all: refused rather than guessed
  ['', 'empty'],
  ['localhost', 'a name'],
  ['0x7f.1', 'an IPv4 in a legacy notation'],
  ['2130706433', 'an IPv4 as one number'],
  ['::ffff:127.0.0.1.5', 'malformed'],
];

const allowed: [string, string][] = [
  ['8.8.8.8', 'Google DNS'],
  ['1.1.1.1', 'Cloudflare DNS'],
  ['93.184.215.14', 'a public web server'],
  ['9.255.255.255', 'just below 10/8'],
  ['11.0.0.1', 'just above 10/8'],
  ['100.63.255.255', 'just below CGNAT'],
  ['100.128.0.1', 'just above CGNAT'],
  ['172.15.255.255', 'just below 172.16/12'],
  ['172.32.0.1', 'just above 172.16/12'],
  ['192.0.1.1', 'between 192.0.0/24 and TEST-NET-1'],
  ['192.169.0.1', 'just above 192.168/16'],
  ['198.17.255.255', 'just below 198.18/15'],
  ['198.20.0.1', 'just above 198.18/15'],
  ['223.255.255.254', 'just below multicast'],
  ['2606:4700:4700::1111', 'Cloudflare DNS v6'],
  ['2001:4860:4860::8888', 'Google DNS v6'],
  ['2a00:1450:4001:80b::200e', 'a public v6 web server'],
  ['2001:200::1', 'just above 2001::/23 (WIDE)'],
  ['2001:db9::1', 'just above documentation'],
  ['3ffe:ffff::1', 'below 3fff::/20, inside 2000::/3'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public (how a dual-stack socket names an IPv4 peer)'],
  ['::ffff:808:808', 'IPv4-mapped public, hex'],
  ['64:ff9b::8.8.8.8', 'NAT64 of a public address (DNS64 networks)'],
  ['64:ff9b::101:101', 'NAT64 of 1.1.1.1, hex'],
  ['2002:808:808::1', '6to4 of a public address'],
];

describe('isForbiddenAddress: refused', () => {
  it.each(refused)('%s (%s)', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });
});

describe('isForbiddenAddress: allowed', () => {
  it.each(allowed)('%s (%s)', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('redactRefusal: refusals recorded before addresses were withheld show none', () => {
  it.each([
    ['refused: db.corp resolves to 10.1.2.3, a private, loopback or link-local address', 'refused: db.corp resolves to a private, loopback or link-local address'],
    ['refused: v6.corp resolves to fd00::1:2, a private, loopback or link-local address', 'refused: v6.corp resolves to a private, loopback or link-local address'],
    ['refused: db.corp connected to 10.1.2.3, a private, loopback or link-local address', 'refused: db.corp connected to a private, loopback or link-local address'],
    [
      '8 attempts to deliver msg_1 failed; the last: refused: db.corp resolves to 192.168.0.4, a private, loopback or link-local address',
      '8 attempts to deliver msg_1 failed; the last: refused: db.corp resolves to a private, loopback or link-local address',
    ],
    // The client's own literal is not a leak: it is in the URL the client gave.
    ['refused: 10.0.0.7 is a private, loopback or link-local address', 'refused: 10.0.0.7 is a private, loopback or link-local address'],
    ['answered 503', 'answered 503'],
  ])('%s', (recorded, shown) => {
    expect(redactRefusal(recorded)).toBe(shown);
  });
});
