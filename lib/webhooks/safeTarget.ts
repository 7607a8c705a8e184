import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Which addresses a webhook may not reach unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true: loopback, private,
 * link-local, unique-local, CGNAT, multicast, unspecified, reserved, benchmarking and documentation ranges (v4
 * and v6), and every IPv6 address outside the global unicast 2000::/3. IPv6 forms that carry an IPv4 address are
 * judged by it: IPv4-mapped (`::ffff:a.b.c.d`, how a dual-stack socket names an IPv4 peer), NAT64 `64:ff9b::/96`
 * and 6to4 `2002::/16`; the deprecated IPv4-compatible `::a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64
 * local-use `64:ff9b:1::/48` and Teredo `2001::/32` are refused outright.
 */
const forbiddenV4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
  ['255.255.255.255', 32],
] as const) {
  forbiddenV4.addSubnet(net, bits, 'ipv4');
}

/** Global unicast: the only IPv6 space a webhook may reach (after the embedded-IPv4 forms are judged). */
const globalUnicast = new BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');

/** Inside 2000::/3 but not a receiver's: refused. (The ranges outside it are listed for the reader; none passes.) */
const forbiddenV6 = new BlockList();
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
  // IETF protocol assignments: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID 2001:10::/28 and 2001:20::/28.
  ['2001::', 23],
  ['2001:db8::', 32],
  ['3fff::', 20],
] as const) {
  forbiddenV6.addSubnet(net, bits, 'ipv6');
}

/** The 16 bytes of an IPv6 address (with or without a dotted IPv4 tail or a zone); undefined when it is not one. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '');
  if (isIP(text) !== 6) return undefined;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return undefined;
  return groups.flatMap((g) => {
    const n = parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

const dottedAt = (b: number[], at: number) => b.slice(at, at + 4).join('.');
const hexGroups = (b: number[]) => Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(':');

function isForbiddenIpv6(address: string): boolean {
  const b = ipv6Bytes(address);
  if (!b) return true;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped): the IPv4 address itself.
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return forbiddenV4.check(dottedAt(b, 12), 'ipv4');
  // 64:ff9b::a.b.c.d (NAT64, well-known prefix): the IPv4 address the translator reaches.
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return forbiddenV4.check(dottedAt(b, 12), 'ipv4');
  const canonical = hexGroups(b);
  // Everything else outside 2000::/3: ::, ::1, ::a.b.c.d, ::ffff:0:a.b.c.d, 64:ff9b:1::/48, 100::/64, fc00::/7, fe80::/10, ff00::/8…
  if (!globalUnicast.check(canonical, 'ipv6')) return true;
  // 2002:AABB:CCDD::/48 (6to4): relayed to the IPv4 address AA.BB.CC.DD.
  if (b[0] === 0x20 && b[1] === 0x02 && forbiddenV4.check(dottedAt(b, 2), 'ipv4')) return true;
  return forbiddenV6.check(canonical, 'ipv6');
}

export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return forbiddenV4.check(address, 'ipv4');
  if (family === 6) return isForbiddenIpv6(address);
  // Not an address at all: refuse rather than guess.
  return true;
}

/** What a refusal says about the address: nothing a client does not already know (its own URL's literal). */
export const FORBIDDEN_KIND = 'a private, loopback or link-local address';

/**
 * A recorded failure as a client may read it: refusals written before the resolved address was withheld
 * ("db.corp resolves to 10.1.2.3, a private…") lose the address, so the delivery log never maps internal DNS.
 */
export function redactRefusal(text: string): string {
  return text.replace(/\b(resolves to|connected to) [0-9A-Fa-f.:%\w-]+, a private, loopback or link-local address/g, `$1 ${FORBIDDEN_KIND}`);
}

/** A refused target. Its message is for the client (no resolved address); `address` is for the operator only. */
export class ForbiddenTargetError extends Error {
  readonly code = 'WEBHOOK_TARGET_FORBIDDEN';
  constructor(
    message: string,
    readonly address?: string,
  ) {
    super(message);
  }
}

/** Resolves a host name to every address it has (the DNS a delivery uses; tests inject their own). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * A `lookup` for net/tls.connect that resolves the name and refuses it when any of its addresses is forbidden,
 * so the address the socket connects to is one that was checked (no second resolution to rebind).
 */
export function guardedLookup(resolve: Resolver, check: { refusePrivate: boolean } = { refusePrivate: true }): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const bad = check.refusePrivate ? wanted.find((a) => isForbiddenAddress(a.address)) : undefined;
        if (bad) return callback(new ForbiddenTargetError(`${hostname} resolves to ${FORBIDDEN_KIND}`, bad.address), '', 0);
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as unknown as (err: null, all: { address: string; family: number }[]) => void)(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/** Which ports a webhook URL may name (WEBHOOK_ALLOWED_PORTS): closed ranges, inclusive. */
export type PortPolicy = readonly (readonly [number, number])[];

/** The default: the web's own ports and every unprivileged one (where receivers listen), never SSH, SMTP or other system services. */
export const DEFAULT_ALLOWED_PORTS = '80,443,1024-65535';

/** Parses `80,443,1024-65535` (ports and ranges); throws on anything else. */
export function parsePortPolicy(raw: string): PortPolicy {
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      const from = m ? Number(m[1]) : NaN;
      const to = m ? Number(m[2] ?? m[1]) : NaN;
      if (!m || from < 1 || to > 65535 || from > to) throw new Error(`WEBHOOK_ALLOWED_PORTS: "${part}" is not a port (1-65535) or a range of them (from-to)`);
      return [from, to] as const;
    });
}

/** The port a URL connects to: its own, or its scheme's. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** Why a URL's port is refused (for the client), or undefined when the policy allows it. */
export function portRefusal(url: URL, policy: PortPolicy): string | undefined {
  const port = portOf(url);
  if (policy.some(([from, to]) => port >= from && port <= to)) return undefined;
  return `port ${port} is not one webhooks may use (allowed: ${policy.map(([f, t]) => (f === t ? `${f}` : `${f}-${t}`)).join(', ')})`;
}

const IPV4_IN_TEXT = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
const IPV6_IN_TEXT = /(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])/g;

/**
 * A recorded error as the client may read it: every IP address in it that the client did not write itself (its
 * URL's own literal) is replaced by the URL's host name, so a connect error ("connect ECONNREFUSED 10.1.2.3:443")
 * never maps the DNS behind a name. Refusals lose their address first (redactRefusal).
 */
export function withoutResolvedAddresses(text: string, url: string): string {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    host = 'the target';
  }
  const own = isIP(host) ? host.toLowerCase() : undefined;
  const replace = (match: string) => (isIP(match.replace(/%.*$/, '')) && match.toLowerCase() !== own ? host : match);
  return redactRefusal(text).replace(IPV4_IN_TEXT, replace).replace(IPV6_IN_TEXT, replace);
}

/** A subscription's URL judged before it is stored: accepted, or why not (the status and the client's message). */
export type TargetVerdict = { ok: true } | { ok: false; status: 422 | 503; message: string };

/**
 * Judges a webhook URL at subscription as its deliveries will judge it: the port against the policy, an address
 * literal, and (when private targets are refused) every address the name resolves to now. Deliveries judge the
 * connected address again (DNS can change after this); the messages never name a resolved address.
 */
export async function judgeSubscriptionTarget(
  raw: string,
  options: { allowPrivateTargets: boolean; ports: PortPolicy; resolve?: Resolver; resolveTimeoutMs?: number },
): Promise<TargetVerdict> {
  const url = new URL(raw);
  const refusedPort = portRefusal(url, options.ports);
  if (refusedPort) return { ok: false, status: 422, message: refusedPort };
  if (options.allowPrivateTargets) return { ok: true };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isForbiddenAddress(host) ? { ok: false, status: 422, message: `names ${host}, ${FORBIDDEN_KIND}: webhook targets must be public` } : { ok: true };
  let addresses: { address: string; family: number }[];
  try {
    const timeoutMs = options.resolveTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    addresses = await Promise.race([
      (options.resolve ?? systemResolver)(host),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEOUT' })), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { ok: false, status: 422, message: `${host} has no address: webhook targets must resolve` };
    return { ok: false, status: 503, message: `${host} could not be resolved just now; try again` };
  }
  if (addresses.length === 0) return { ok: false, status: 422, message: `${host} has no address: webhook targets must resolve` };
  if (addresses.some((a) => isForbiddenAddress(a.address))) return { ok: false, status: 422, message: `${host} resolves to ${FORBIDDEN_KIND}: webhook targets must be public` };
  return { ok: true };
}
