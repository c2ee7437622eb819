/** What this machine's network offers the specs that need more than IPv4 loopback. */
import { networkInterfaces } from 'node:os';

/**
 * Whether this machine has the IPv6 loopback address (a container may not):
 * the specs that listen on ::1 skip without it.
 *
 * @example
 * test.skipIf(!hasIpv6Loopback())('works over ::1', async () => {});
 */
export function hasIpv6Loopback(): boolean {
  return Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'));
}
