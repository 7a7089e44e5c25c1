import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Where endpoints may point: settings from WEBHOOK_ALLOW_PRIVATE_ADDRESSES and the environment. */
export interface DestinationPolicy {
  allowPrivateAddresses: boolean;
  requireHttps: boolean;
}

export const URL_MAX = 2000;

// Addresses a merchant's endpoint has no business being: this host, the
// private networks the gateway sits in, link-local (cloud metadata services),
// shared, reserved, multicast. IPv4-mapped IPv6 addresses are checked against
// the IPv4 ranges by BlockList itself.
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's host as an address or name (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export type DestinationProblem = { code: 'INVALID_URL' | 'ADDRESS_NOT_ALLOWED' | 'UNRESOLVABLE_HOST'; message: string };

/** The URL parsed, or why it cannot be an endpoint (shape only; no DNS). */
export function parseEndpointUrl(raw: string, policy: DestinationPolicy): URL | DestinationProblem {
  const invalid = (message: string): DestinationProblem => ({ code: 'INVALID_URL', message });
  if (raw.length > URL_MAX) return invalid(`The URL must be at most ${URL_MAX} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('The URL must be an absolute http:// or https:// URL.');
  }
  const schemes = policy.requireHttps ? ['https:'] : ['http:', 'https:'];
  if (!schemes.includes(url.protocol)) return invalid(policy.requireHttps ? 'The URL must be https://.' : 'The URL must be http:// or https://.');
  if (url.username || url.password) return invalid('The URL must not carry credentials: deliveries are signed instead.');
  if (url.hash) return invalid('The URL must not have a #fragment.');
  return url;
}

/**
 * Checks where an endpoint's host leads, unless private addresses are
 * allowed: an address literal directly, a name through DNS (every address it
 * resolves to must be public). Deliveries check again on every attempt
 * (`publicOnlyLookup`), since DNS answers change.
 */
export async function checkDestination(url: URL, policy: DestinationPolicy): Promise<DestinationProblem | null> {
  if (policy.allowPrivateAddresses) return null;
  const host = hostOf(url);
  const refused = (address: string): DestinationProblem => ({
    code: 'ADDRESS_NOT_ALLOWED',
    message: `${host === address ? address : `${host} resolves to ${address}, which`} is not a public address; endpoints may not reach loopback, private or link-local networks.`,
  });
  if (isIP(host)) return isPublicAddress(host) ? null : refused(host);
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
  } catch {
    return { code: 'UNRESOLVABLE_HOST', message: `The host ${host} does not resolve.` };
  }
  const bad = addresses.find((entry) => !isPublicAddress(entry.address));
  return bad ? refused(bad.address) : null;
}

/**
 * A `lookup` for outgoing requests that refuses a name resolving to any
 * non-public address, at connection time: what was checked is what is
 * connected to (no DNS rebinding between a check and the request).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const bad = addresses.find((entry) => !isPublicAddress(entry.address));
    if (bad || addresses.length === 0) {
      const refusal = Object.assign(new Error(`${hostname} resolves to ${bad?.address ?? 'nothing'}, not a public address`), { code: 'ADDRESS_NOT_ALLOWED' });
      return callback(refusal, '', 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, addresses);
    callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};
