/**
 * The Traffic Light Protocol 2.0 (FIRST, 2022) as a platform-owned marking of an alert: who may
 * learn of it. A draft may set `tlp`; an alert without one is TLP:CLEAR. The console shows an
 * alert only to viewers cleared for its marking (console/views.ts), the exports carry the marking
 * and refuse TLP:RED (export/), and the chat notifiers keep stricter markings out of group chats.
 */
/** From the least to the most restricted. TLP 1.0 WHITE is CLEAR; its AMBER and RED are the same. */
export const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLPS)[number];

export const DEFAULT_TLP: Tlp = 'clear';

export function isTlp(value: unknown): value is Tlp {
  return (TLPS as readonly unknown[]).includes(value);
}

/** 0 for CLEAR up to 4 for RED. An unknown value counts as RED: a damaged marking never widens who sees. */
export function tlpRank(tlp: Tlp | undefined): number {
  if (tlp === undefined) return 0;
  const rank = TLPS.indexOf(tlp);
  return rank < 0 ? TLPS.length - 1 : rank;
}

/** The marking of an alert, CLEAR when it has none. */
export function tlpOf(alert: { tlp?: Tlp }): Tlp {
  return alert.tlp ?? DEFAULT_TLP;
}

/** The more restricted of two markings. */
export function stricterTlp(a: Tlp | undefined, b: Tlp | undefined): Tlp {
  return tlpRank(a) >= tlpRank(b) ? (a ?? DEFAULT_TLP) : (b ?? DEFAULT_TLP);
}

/** The markings a viewer cleared up to `clearance` may see. */
export function tlpsUpTo(clearance: Tlp): Tlp[] {
  return TLPS.slice(0, tlpRank(clearance) + 1);
}

/** `TLP:AMBER+STRICT`: the label FIRST defines, for exports and cards. */
export function tlpLabel(tlp: Tlp): string {
  return `TLP:${tlp.toUpperCase()}`;
}

/**
 * Why an alert may not leave the platform through an export: TLP:RED is for the named recipients
 * in the console only. `status` lets the console's API answer 403.
 */
export class TlpExportError extends Error {
  readonly status = 403;
  readonly code = 'IMPETUS_TLP_RED';
  constructor(readonly alertId: string) {
    super(`alert ${alertId} is TLP:RED: it is not exported`);
    this.name = 'TlpExportError';
  }
}

/** Throws TlpExportError for a TLP:RED alert; every export of the platform calls it first. */
export function assertExportable(alert: { id: string; tlp?: string }): void {
  if (alert.tlp === 'red' || (alert.tlp !== undefined && !isTlp(alert.tlp))) throw new TlpExportError(alert.id);
}
