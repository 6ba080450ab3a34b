import ipaddr from 'ipaddr.js';

/**
 * The key a client address is limited under. An IPv6 client usually holds a whole /64 and can pick any
 * address in it, so it is counted by that block; IPv4-mapped IPv6 counts as the IPv4 address it is.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip || !ipaddr.isValid(ip)) return `unparsed:${ip ?? ''}`;
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/64`).toString()}/64`;
}
