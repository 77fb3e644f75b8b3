import type { AlertDraft } from '../platform';
import { identityHash } from './assets';
import type { AssetIndex, AssetRef, Criticality } from './assets';
import { domainParts } from './domains';
import type { Indicator, Tlp } from './indicator';
import { LookalikeIndex } from './lookalike';
import type { LookalikeKind } from './lookalike';

/**
 * Intelligence against the asset register: exact domains (and their subdomains) and
 * addresses, CIDR containment both ways, look-alike domains, leaked addresses at the city's
 * e-mail domains, hashed staff and VIP identities, brand mentions in text. Each match becomes
 * an alert draft for `impetus-alert` with the intel context, the asset, a severity from the
 * asset's criticality and the match's strength, a certainty from the source's confidence, and
 * suggested actions.
 */

export type MatchHow = 'domain' | 'subdomain' | 'url-host' | 'ip' | 'range-overlap' | 'lookalike' | 'email-domain' | 'identity' | 'brand-mention';

export interface CtiMatch {
  indicator: Indicator;
  asset: AssetRef;
  how: MatchHow;
  /** 0–1: how strongly the intelligence names the asset (1 for exact). */
  strength: number;
  lookalike?: { kind: LookalikeKind; ofDomain: string };
}

export interface MatcherOptions {
  /** Look-alikes scoring below this are ignored (0–1). */
  minLookalikeScore?: number;
}

export class CtiMatcher {
  private readonly lookalikes: LookalikeIndex<AssetRef>;
  private readonly minLookalike: number;
  private readonly brandPatterns: Array<{ ref: AssetRef; re: RegExp }>;

  constructor(private readonly assets: AssetIndex, options: MatcherOptions = {}) {
    this.minLookalike = options.minLookalikeScore ?? 0.7;
    this.lookalikes = new LookalikeIndex(assets.watchedDomains.map((d) => ({ target: d.ref, domain: d.parts.ascii })));
    const escape = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&').replace(/\s+/g, '\\s+');
    this.brandPatterns = assets.brands.map((b) => ({ ref: b.ref, re: new RegExp(`(^|[^\\p{L}\\p{N}])(${b.names.map(escape).join('|')})($|[^\\p{L}\\p{N}])`, 'iu') }));
  }

  match(indicator: Indicator): CtiMatch[] {
    switch (indicator.kind) {
      case 'domain': return this.domain(indicator, indicator.value, 'domain');
      case 'url': return this.url(indicator);
      case 'ip': return this.ip(indicator);
      case 'email': return this.email(indicator);
      case 'text': return this.text(indicator);
      default: return [];
    }
  }

  private domain(indicator: Indicator, name: string, how: 'domain' | 'url-host'): CtiMatch[] {
    const own = this.assets.lookupDomain(name);
    if (own) {
      const exact = own.parts.ascii === domainParts(name)?.ascii;
      return [{ indicator, asset: own.ref, how: exact || how === 'url-host' ? how : 'subdomain', strength: exact ? 1 : 0.9 }];
    }
    return this.lookalikes.find(name)
      .filter((l) => l.score >= this.minLookalike)
      .map((l) => ({ indicator, asset: l.target, how: 'lookalike' as const, strength: l.score, lookalike: { kind: l.kind, ofDomain: l.targetDomain } }));
  }

  private url(indicator: Indicator): CtiMatch[] {
    let host: string;
    try {
      host = new URL(indicator.value).hostname.replace(/^\[|\]$/g, '');
    } catch {
      return [];
    }
    const asIp = this.assets.lookupIp(host);
    if (asIp) return [{ indicator, asset: asIp, how: 'ip', strength: 1 }];
    return this.domain(indicator, host, 'url-host');
  }

  private ip(indicator: Indicator): CtiMatch[] {
    const inside = this.assets.lookupIp(indicator.value);
    if (inside) return [{ indicator, asset: inside, how: 'ip', strength: 1 }];
    // A range named in intelligence that holds some of the city's addresses.
    return this.assets.rangesWithin(indicator.value).map((asset) => ({ indicator, asset, how: 'range-overlap' as const, strength: 0.7 }));
  }

  private email(indicator: Indicator): CtiMatch[] {
    const out: CtiMatch[] = [];
    const address = indicator.value.trim().toLowerCase();
    const identity = this.assets.identities.get(identityHash(address, this.assets.salt));
    if (identity) out.push({ indicator, asset: identity, how: 'identity', strength: 1 });
    const at = address.lastIndexOf('@');
    const domain = at > 0 ? domainParts(address.slice(at + 1)) : undefined;
    const mailDomain = domain && this.assets.emailDomains.get(domain.ascii);
    if (mailDomain) out.push({ indicator, asset: mailDomain, how: 'email-domain', strength: 1 });
    else if (domain) out.push(...this.domain(indicator, domain.ascii, 'domain'));
    return out;
  }

  /** Reports and chatter: brand names and hashed staff names mentioned in free text. */
  private text(indicator: Indicator): CtiMatch[] {
    const out: CtiMatch[] = [];
    for (const b of this.brandPatterns) if (b.re.test(indicator.value)) out.push({ indicator, asset: b.ref, how: 'brand-mention', strength: 0.8 });
    // Every run of two or three words is hashed and looked up: names never sit in the register.
    const words = indicator.value.toLowerCase().match(/[\p{L}\p{N}'.-]+/gu) ?? [];
    const seen = new Set<string>();
    for (let i = 0; i < words.length && i < 5000; i++) {
      for (const n of [2, 3]) {
        if (i + n > words.length) continue;
        const hit = this.assets.identities.get(identityHash(words.slice(i, i + n).join(' '), this.assets.salt));
        if (hit && !seen.has(hit.id)) { seen.add(hit.id); out.push({ indicator, asset: hit, how: 'identity', strength: 0.9 }); }
      }
    }
    return out;
  }
}

const CRITICALITY_RANK: Record<Criticality, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/**
 * Severity from both sides: the asset's criticality, one step down for a weak match
 * (a look-alike under 0.85, a range overlap, a mention) or low confidence (under 50), one step
 * up for an exact match on a critical asset at high confidence (80 or more) — already there.
 */
export function severityOf(m: CtiMatch): (typeof SEVERITIES)[number] {
  let rank = CRITICALITY_RANK[m.asset.criticality];
  if (m.strength < 0.85) rank--;
  if (m.indicator.confidence < 50) rank--;
  return SEVERITIES[Math.max(0, Math.min(3, rank))];
}

function certaintyOf(confidence: number): AlertDraft['certainty'] {
  return confidence >= 85 ? 'Observed' : confidence >= 60 ? 'Likely' : confidence >= 30 ? 'Possible' : 'Unlikely';
}

const ACTIONS: Record<MatchHow, string[]> = {
  domain: ['Check the domain\'s DNS and web content for tampering', 'Review recent changes with the owner'],
  subdomain: ['Check whether the subdomain is the city\'s and still in use', 'Remove dangling DNS records (subdomain takeover)'],
  'url-host': ['Check the URL on the city\'s server for malicious content', 'Block the URL at the web proxy until cleared'],
  ip: ['Check the host for compromise (EDR, logs)', 'Block traffic to and from the indicator at the firewall if confirmed'],
  'range-overlap': ['Check which of the city\'s hosts in the range are named', 'Ask the source for the exact addresses'],
  lookalike: ['Confirm the look-alike domain is not the city\'s', 'Request a takedown from the registrar', 'Block the domain at DNS and mail gateways', 'Warn staff and citizens if it serves a phishing page'],
  'email-domain': ['Reset the password of the leaked account and revoke its sessions', 'Check the account for suspicious sign-ins', 'Enforce MFA on the account'],
  identity: ['Warn the person named and reset their credentials', 'Watch for targeted phishing (VIP)'],
  'brand-mention': ['Read the report for what is planned against the city', 'Inform the communications team'],
};

export interface DraftOptions {
  now: number;
  /** Drafts of a demo or a drill are marked as exercise. */
  exercise?: boolean;
}

/** The alert draft of a match, for `impetus-alert` (checked by schemas/tools/cti.schema.json). */
export function matchToDraft(m: CtiMatch, options: DraftOptions): AlertDraft {
  const i = m.indicator;
  const what = m.how === 'lookalike'
    ? `Look-alike of ${m.lookalike!.ofDomain}: ${i.value} (${m.lookalike!.kind})`
    : `${i.value} names ${m.asset.label}`;
  const expired = i.validUntil !== undefined && i.validUntil <= options.now;
  return {
    tool: 'cti',
    event: m.how === 'lookalike' ? 'Look-alike domain' : m.how === 'email-domain' || m.how === 'identity' ? 'Leaked credentials' : 'Threat intelligence match',
    headline: what.length > 160 ? `${what.slice(0, 159)}…` : what,
    category: 'Security',
    severity: severityOf(m),
    urgency: expired ? 'Past' : 'Expected',
    certainty: certaintyOf(i.confidence),
    status: options.exercise ? 'Exercise' : 'Actual',
    // The platform's marking, from the intelligence's: the console, notifiers and exports enforce it.
    tlp: i.tlp,
    source: { ref: `${i.id}|${m.asset.id}` },
    instruction: ACTIONS[m.how].join('. ') + '.',
    data: {
      indicator: { id: i.ref, kind: i.kind, value: i.value, ...(i.hashType ? { hashType: i.hashType } : {}) },
      intel: intelContext(i),
      asset: { kind: m.asset.kind, id: m.asset.id, label: m.asset.label, criticality: m.asset.criticality, ...(m.asset.owner ? { owner: m.asset.owner } : {}) },
      match: { how: m.how, strength: m.strength, ...(m.lookalike ? { lookalikeKind: m.lookalike.kind, ofDomain: m.lookalike.ofDomain } : {}) },
      actions: ACTIONS[m.how],
    },
  };
}

function intelContext(i: Indicator): Record<string, unknown> {
  const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());
  const ctx: Record<string, unknown> = { source: i.source, confidence: i.confidence, tlp: i.tlp as Tlp };
  const put = (k: string, v: unknown): void => { if (v !== undefined) ctx[k] = v; };
  put('report', i.report);
  put('actors', i.actors?.length ? i.actors : undefined);
  put('firstSeen', iso(i.firstSeen));
  put('lastSeen', iso(i.lastSeen));
  put('validUntil', iso(i.validUntil));
  put('killChain', i.killChain?.length ? i.killChain : undefined);
  return ctx;
}
