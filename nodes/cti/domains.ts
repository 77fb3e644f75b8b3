import { domainToASCII, domainToUnicode } from 'node:url';
import { parse } from 'tldts';

/**
 * A domain name taken apart with the Public Suffix List (tldts, private suffixes included, so
 * `city-portal.eu.com` is a registration under `eu.com`), in its ASCII (punycode) and Unicode
 * forms. Undefined for what is not a domain under a public suffix (an IP, `localhost`, junk).
 */
export interface DomainParts {
  /** The whole name in ASCII, lower case, without a trailing dot. */
  ascii: string;
  unicode: string;
  /** The registrable domain (ASCII), e.g. `city-portal.eu`. */
  registrable: string;
  /** The registrable domain without its suffix, e.g. `city-portal` (ASCII). */
  label: string;
  suffix: string;
  /** What comes before the registrable domain, e.g. `www` (ASCII). */
  subdomain: string;
}

export function domainParts(name: string): DomainParts | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 253) return undefined;
  // Node's IDNA (UTS #46, the WHATWG URL standard's): what browsers do with a typed name.
  const ascii = domainToASCII(name.trim().replace(/\.$/, ''));
  if (!ascii) return undefined;
  const p = parse(ascii, { allowPrivateDomains: true });
  if (p.isIp || !p.domain || !p.publicSuffix || !p.domainWithoutSuffix || p.hostname !== ascii) return undefined;
  return {
    ascii,
    unicode: domainToUnicode(ascii),
    registrable: p.domain,
    label: p.domainWithoutSuffix,
    suffix: p.publicSuffix,
    subdomain: p.subdomain ?? '',
  };
}
