import net from 'node:net';

// Whom a budget belongs to: the signed-in user wherever they connect from, or
// else the network address the request came from (X-Forwarded-For is believed
// only as far as TRUST_PROXY says; see src/app.ts).

/** The eight 16-bit groups of an IPv6 address, `::` expanded; null when it has an embedded IPv4 tail we do not expect here. */
function ipv6Groups(address: string): string[] | null {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  if ([...left, ...right].some((group) => !/^[0-9a-f]{1,4}$/i.test(group))) return null;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  return [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * The budget key of a network address: an IPv4 address as it is (also when
 * written IPv4-mapped, `::ffff:1.2.3.4`), an IPv6 address by its /64 prefix,
 * the block one subscriber usually holds whole, so that stepping through
 * addresses of one's own block does not buy a fresh budget.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'address:unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return `address:${mapped[1]}`;
  if (net.isIPv4(address)) return `address:${address}`;
  const groups = net.isIPv6(address) ? ipv6Groups(address.split('%')[0]!) : null;
  return groups ? `address:${groups.slice(0, 4).join(':')}::/64` : `address:${address}`;
}

/** The key of a request's cost budget: its user when signed in, else its address. */
export function budgetKey(viewer: { id: number } | null, address: string | undefined): string {
  return viewer ? `user:${viewer.id}` : addressKey(address);
}
