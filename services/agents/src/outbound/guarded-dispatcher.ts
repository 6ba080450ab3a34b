import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { AddressPolicy } from './address-policy';
import { RefusedAddressError } from './refused-address.error';

/** Resolves a host name to every address it has (`dns.lookup` with `all: true` by default). */
export type HostResolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export const systemResolver: HostResolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * An undici dispatcher whose every connection is checked against `policy` at the moment it is made:
 * IP literals before connecting, host names after resolving them (every address the name has must be
 * allowed, and the socket connects to one of exactly those, so a second lookup cannot swap in another).
 * Redirects and keep-alive reuse go through the same connector, so no hop escapes the check.
 */
export function guardedDispatcher(
  policy: AddressPolicy,
  options: { resolve?: HostResolver; connectTimeoutMs?: number } = {},
): Dispatcher {
  const resolve = options.resolve ?? systemResolver;
  const lookup = (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const wanted = lookupOptions.family
          ? addresses.filter((a) => a.family === lookupOptions.family)
          : addresses;
        if (wanted.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
          error.code = 'ENOTFOUND';
          return callback(error, []);
        }
        for (const { address } of wanted) {
          const reason = policy.refusalOf(address);
          if (reason) return callback(new RefusedAddressError(hostname, reason), []);
        }
        if (lookupOptions.all) return callback(null, [...wanted]);
        const first = wanted[0]!;
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
  const connect = buildConnector({ lookup, timeout: options.connectTimeoutMs ?? 10_000 });
  return new Agent({
    connect: (connectOptions, callback) => {
      const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host)) {
        const reason = policy.refusalOf(host);
        if (reason) return callback(new RefusedAddressError(host, reason), null);
      }
      return connect(connectOptions, callback);
    },
  });
}
