import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** Ranges proxy-addr (Fastify's trustProxy) knows by name. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Fastify's `trustProxy`, in the forms a deployment may choose. */
export type TrustProxy = false | number | string[];

/**
 * TRUST_PROXY: which peers may say, in X-Forwarded-For / -Proto, who the client is. Unset (the safe
 * default): nobody, the client is the peer. A number N: the N nearest hops (a fixed chain of proxies).
 * Otherwise a comma-separated list of proxy addresses, CIDRs or the names `loopback`, `linklocal`,
 * `uniquelocal`. Trusting every peer is refused: any client could then pick the address it is
 * counted under.
 */
export const trustProxyField = () =>
  z
    .string()
    .default('')
    .transform((value, ctx): TrustProxy => {
      const text = value.trim();
      if (text === '' || text === 'false') return false;
      if (/^\d+$/.test(text)) return Number(text);
      const entries = text.split(',').map((entry) => entry.trim());
      const invalid = entries.filter(
        (entry) => !NAMED_RANGES.has(entry) && !ipaddr.isValid(entry) && !ipaddr.isValidCIDR(entry),
      );
      if (invalid.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message:
            `not a proxy address, CIDR, hop count or range name: ${invalid.join(', ')} ` +
            '(trusting every peer is not offered: list the proxies instead)',
        });
        return z.NEVER;
      }
      return entries;
    });
