import ipaddr from 'ipaddr.js';

/**
 * Whether `address` falls in one of `allowed` (CIDR ranges or single addresses). An empty list allows any source:
 * gateways that publish no ranges (QuickPay) are protected by their signature alone.
 */
export function isSourceAllowed(address: string | null | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (!address || !ipaddr.isValid(address)) return false;
  let addr = ipaddr.parse(address);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  return allowed.some((entry) => {
    const range = entry.includes('/') ? ipaddr.parseCIDR(entry) : ([ipaddr.parse(entry), entry.includes(':') ? 128 : 32] as [ipaddr.IPv4 | ipaddr.IPv6, number]);
    return range[0].kind() === addr.kind() && addr.match(range);
  });
}

/** What is wrong with a list of ranges, checked at start-up so a typo fails the boot instead of every callback. */
export function allowListProblems(allowed: readonly string[]): string[] {
  return allowed.filter((entry) => !(entry.includes('/') ? ipaddr.isValidCIDR(entry) : ipaddr.isValid(entry))).map((entry) => `not an address or CIDR range: ${entry}`);
}
