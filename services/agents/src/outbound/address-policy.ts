import ipaddr from 'ipaddr.js';
import { z } from 'zod';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A comma-separated list of addresses (`10.1.2.3`, `::1`) or CIDR ranges (`10.0.0.0/8`) reached although
 * they are not public; empty by default.
 */
export const AddressAllowListSchema = z
  .string()
  .default('')
  .transform((text, ctx): readonly Range[] => {
    const ranges: Range[] = [];
    for (const entry of text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (ipaddr.isValidCIDR(entry)) ranges.push(ipaddr.parseCIDR(entry));
      else if (ipaddr.isValid(entry)) {
        const address = ipaddr.parse(entry);
        ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      } else {
        ctx.addIssue({ code: 'custom', message: `not an IP address or CIDR range: ${entry}` });
        return z.NEVER;
      }
    }
    return ranges;
  });

/**
 * Which IP addresses outbound requests for users may reach: public unicast ones, plus what the operator
 * allowed. Loopback, private (RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, multicast, unspecified and the other reserved ranges are refused. The ranges are
 * ipaddr.js's (the library request-filtering-agent builds on); IPv4-mapped IPv6 addresses are judged
 * as the IPv4 address they carry.
 */
export class AddressPolicy {
  constructor(private readonly allowed: readonly Range[] = []) {}

  /** Why `address` may not be reached, or null when it may. */
  refusalOf(address: string): string | null {
    const bare = address.replace(/^\[|\]$/g, '');
    if (!ipaddr.isValid(bare)) return `${address} is not an IP address`;
    const parsed = ipaddr.process(bare);
    if (this.allowed.some(([network, bits]) => sameKind(parsed, network) && parsed.match(network, bits)))
      return null;
    const range = parsed.range();
    return range === 'unicast' ? null : `${parsed.toString()} is a ${range} address`;
  }
}

function sameKind(a: ipaddr.IPv4 | ipaddr.IPv6, b: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return a.kind() === b.kind();
}
