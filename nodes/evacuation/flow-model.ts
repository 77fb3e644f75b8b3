/**
 * How fast people walk and how many pass per second through each element: the SFPE hydraulic
 * model (Gwynne & Rosenbaum, "Employing the Hydraulic Model in Assessing Emergency Movement",
 * SFPE Handbook 5th ed., ch. 59; Nelson & Mowrer in earlier editions), with Weidmann's
 * fundamental diagram (Weidmann 1993, ETH IVT Schriftenreihe 90) where SFPE stops, at high
 * density. Two parameter sets:
 *
 * - `sfpe`: the handbook's values (conservative): speed S = k − a·k·D, a = 0.266, k = 1.40 for
 *   corridors, doors and ramps and 1.00–1.23 for stairs by riser and tread; specific flow
 *   Fs = S·D, at most k/(4a) (1.32 p/s/m for corridors) at D = 1.88 p/m²; effective width =
 *   clear width minus the boundary layers (0.15 m door frames and stair walls, 0.09 m
 *   handrails, 0.20 m corridor walls, 0.46 m wide concourses and streets). Above 3.5 p/m² the
 *   handbook's line runs to zero: Weidmann's curve takes over there.
 * - `calibrated` (default): calibrated to the Jülich bottleneck and corridor experiments —
 *   Seyfried et al. 2009 and Rupprecht et al. 2011 (bottlenecks 0.8–2.5 m: specific flow
 *   1.9 p/s/m of clear width, no boundary layer subtracted, as they measured), Zhang et al. 2011
 *   (unidirectional corridor: the same ~1.9 p/s/m at capacity); free speed 1.34 m/s and the
 *   speed–density relation of Weidmann 1993. Stairs keep the SFPE values in both sets: no
 *   stair experiment is calibrated in yet.
 */
import type { Link, LinkKind } from './site';

export type Profile = 'calibrated' | 'sfpe';

/** SFPE's constant a (m²/p): speed falls by a·k m/s for every person per m². */
export const SFPE_A = 0.266;
/** SFPE speed is its maximum at and below this density (p/m²). */
export const SFPE_FREE_DENSITY = 0.54;
/** Where the SFPE line is left for Weidmann's curve (p/m²). */
export const SFPE_MAX_DENSITY = 3.5;

/** Weidmann 1993: free speed 1.34 m/s, γ = 1.913 p/m², jam density 5.4 p/m². */
export const WEIDMANN = { v0: 1.34, gamma: 1.913, jam: 5.4 } as const;

/** Specific flow at capacity of the calibrated set, p/s per metre of clear width. */
export const CALIBRATED_SPECIFIC_FLOW = 1.9;

/**
 * The handbook's k by stair geometry (riser / tread in inches, k): 7.5/10 → 1.00, 7.0/11 → 1.08, 6.5/12 → 1.16,
 * 6.5/13 → 1.23; here in metres. A stair between rows takes the k of the row whose
 * tread/riser ratio is nearest below (the slower one).
 */
const STAIR_K: Array<{ ratio: number; k: number }> = [
  { ratio: 10 / 7.5, k: 1.0 },
  { ratio: 11 / 7, k: 1.08 },
  { ratio: 12 / 6.5, k: 1.16 },
  { ratio: 13 / 6.5, k: 1.23 },
];

export function sfpeK(kind: LinkKind, riserM?: number, treadM?: number): number {
  if (kind !== 'stairs') return 1.4;
  const ratio = (treadM ?? 0.254) / (riserM ?? 0.19);
  let k = STAIR_K[0].k;
  // 2 % slack: the table is in whole and half inches, sites in metres rounded to the millimetre.
  for (const row of STAIR_K) if (ratio >= row.ratio * 0.98) k = row.k;
  return k;
}

/** Weidmann 1993 speed at density d (m/s); 0 at and above jam density. */
export function weidmannSpeed(d: number, v0: number = WEIDMANN.v0): number {
  if (d <= 0) return v0;
  if (d >= WEIDMANN.jam) return 0;
  return v0 * (1 - Math.exp(-WEIDMANN.gamma * (1 / d - 1 / WEIDMANN.jam)));
}

/** SFPE speed S = k(1 − aD), held at its maximum below 0.54 p/m², Weidmann's (scaled to k) above 3.5. */
export function sfpeSpeed(d: number, k: number): number {
  if (d <= SFPE_FREE_DENSITY) return k * (1 - SFPE_A * SFPE_FREE_DENSITY);
  if (d <= SFPE_MAX_DENSITY) return k * (1 - SFPE_A * d);
  // Continue from the handbook's value at 3.5 p/m² along Weidmann's shape, so speed never jumps.
  const scale = (k * (1 - SFPE_A * SFPE_MAX_DENSITY)) / weidmannSpeed(SFPE_MAX_DENSITY);
  return scale * weidmannSpeed(d);
}

/** Walking speed along the element (m/s; along the slope for stairs) at density d. */
export function speed(profile: Profile, kind: LinkKind, d: number, riserM?: number, treadM?: number): number {
  const k = sfpeK(kind, riserM, treadM);
  if (profile === 'sfpe' || kind === 'stairs') return sfpeSpeed(d, k);
  return weidmannSpeed(d);
}

/** SFPE maximum specific flow Fsm = k/(4a), p/s/m of effective width. */
export function sfpeMaxSpecificFlow(k: number): number {
  return k / (4 * SFPE_A);
}

/** Boundary layer on each side (m), from the handbook's table of boundary layers. */
export function boundaryLayer(kind: LinkKind, handrails?: boolean): number {
  switch (kind) {
    case 'stairs':
      return handrails ? 0.09 : 0.15;
    case 'door':
    case 'opening':
      return 0.15;
    case 'corridor':
    case 'ramp':
      return 0.2;
    case 'street':
      return 0.46;
  }
}

/** Width people actually use (m): SFPE subtracts boundary layers; the calibrated set measured clear width. */
export function effectiveWidth(profile: Profile, link: Pick<Link, 'kind' | 'widthM' | 'handrails'>): number {
  if (profile === 'calibrated' && link.kind !== 'stairs') return link.widthM;
  return Math.max(0, link.widthM - 2 * boundaryLayer(link.kind, link.handrails));
}

/** People per second the element passes at most (its calculated flow at capacity). */
export function capacity(profile: Profile, link: Pick<Link, 'kind' | 'widthM' | 'handrails' | 'riserM' | 'treadM'>): number {
  const k = sfpeK(link.kind, link.riserM, link.treadM);
  const fs = profile === 'sfpe' || link.kind === 'stairs' ? sfpeMaxSpecificFlow(k) : CALIBRATED_SPECIFIC_FLOW;
  return fs * effectiveWidth(profile, link);
}

/** Walking distance along an element: stairs are walked along their slope. */
export function travelDistance(link: Pick<Link, 'kind' | 'lengthM' | 'riserM' | 'treadM'>): number {
  const run = link.lengthM ?? 0;
  if (link.kind !== 'stairs' || !link.riserM || !link.treadM) return run;
  return run * (Math.hypot(link.riserM, link.treadM) / link.treadM);
}

/**
 * Density on an element that carries `flow` p/s over `width` m, on the uncongested branch of
 * the SFPE relation (Fs = k·D − a·k·D²); at or above capacity, the density of maximum flow.
 */
export function densityAtFlow(flow: number, width: number, k = 1.4): number {
  if (flow <= 0 || width <= 0) return 0;
  const fs = flow / width;
  const disc = 1 - (4 * SFPE_A * fs) / k;
  if (disc <= 0) return 1 / (2 * SFPE_A);
  return (1 - Math.sqrt(disc)) / (2 * SFPE_A);
}

export type LevelOfService = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/**
 * Fruin's level of service from density (Fruin 1971, "Pedestrian Planning and Design"), by
 * area per person: walkways A > 3.3 m², B > 2.3, C > 1.4, D > 0.9, E > 0.5, F below;
 * stairways A > 1.9, B > 1.4, C > 0.9, D > 0.7, E > 0.4, F below.
 */
export function fruinLevel(d: number, stairs = false): LevelOfService {
  if (d <= 0) return 'A';
  const m2 = 1 / d;
  const bounds = stairs ? [1.9, 1.4, 0.9, 0.7, 0.4] : [3.3, 2.3, 1.4, 0.9, 0.5];
  const levels: LevelOfService[] = ['A', 'B', 'C', 'D', 'E'];
  for (let i = 0; i < bounds.length; i++) if (m2 > bounds[i]) return levels[i];
  return 'F';
}
