/**
 * The pre-simulated scenario library: plans made ahead of time for every single exit closure
 * (and none) at several crowd sizes, and at the crowd of each of the site's named times of day,
 * each turned into a short operative guideline. When the live situation matches a scenario (the
 * same closures, a crowd within ±25 % of its size; within a time of day, that time's scenario
 * first) the guideline is shown at once, before or beside the live plan.
 */
import type { SlotProfile } from './occupancy-history';
import { planEvacuation } from './plan';
import type { Plan, PlanOptions } from './plan';
import type { Site } from './site';
import { minuteOf, slotLabel } from './times-of-day';
import type { TimeOfDay } from './times-of-day';

export interface Scenario {
  scenarioId: string;
  closed: string[];
  /** Crowd size as a multiple of the base occupancy (a crowd-factor scenario). */
  factor?: number;
  /** The site's time of day whose crowd it plans for (a time-of-day scenario). */
  timeOfDay?: string;
}

export interface Guideline {
  scenarioId: string;
  closed: string[];
  people: number;
  rsetSeconds?: number;
  risk: number;
  text: string;
  timeOfDay?: string;
}

/** What a library run made, and the times of day it could not plan (no crowd known for them). */
export interface Library {
  guidelines: Guideline[];
  skipped: Array<{ timeOfDay: string; reason: string }>;
}

export const CROWD_FACTORS = [0.5, 1, 1.5, 2];
const MATCH_TOLERANCE = 0.25;

/** Closures × crowd factors, then closures × times of day: ids such as close:exit-a@1.5x and close:exit-a@evening. */
export function scenarioList(site: Site, factors: number[] = CROWD_FACTORS): Scenario[] {
  const closures: string[][] = [[], ...site.exits.map((x) => [x.id])];
  const id = (closed: string[], at: string) => `${closed.length ? `close:${closed.join('+')}` : 'all-open'}@${at}`;
  return [
    ...closures.flatMap((closed) => factors.map((factor) => ({ scenarioId: id(closed, `${factor}x`), closed, factor }))),
    ...closures.flatMap((closed) => (site.timesOfDay ?? []).map((slot) => ({ scenarioId: id(closed, slot.name), closed, timeOfDay: slot.name }))),
  ];
}

/**
 * A time of day's crowd: its own people when the site gives them (areas not named hold nobody),
 * else what the history learnt for its hours, else none (the slot is skipped, and said so).
 */
function slotCrowd(slot: TimeOfDay, learnt: (from: number, to: number) => SlotProfile | undefined): Map<string, number> | undefined {
  if (slot.people) return new Map(Object.entries(slot.people));
  return learnt(minuteOf(slot.from) as number, minuteOf(slot.to) as number)?.people;
}

const nameOf = (site: Site, id: string) => site.exits.find((x) => x.id === id)?.name ?? site.areas.find((a) => a.id === id)?.name ?? id;

/** One plan as a guideline an operator can read aloud. */
export function guidelineText(site: Site, plan: Plan): string {
  const closed = plan.closed.length ? `${plan.closed.map((id) => nameOf(site, id)).join(', ')} closed` : 'all exits open';
  if (!plan.rset) {
    const cut = plan.noExit.map((n) => `${n.people} in ${nameOf(site, n.areaId)}`).join(', ');
    return `${closed}: NO WAY OUT for ${cut}. Open a way out or shelter them in place; send rescue now.`;
  }
  const used = plan.exits.filter((e) => e.people > 0).sort((a, b) => b.people - a.people);
  const via = used.map((e) => `${nameOf(site, e.exitId)} ${Math.round(e.share * 100)} %`).join(', ');
  const gw = plan.gateway ? ` Keep ${nameOf(site, plan.gateway.exitId)} free for emergency services.` : '';
  const jam = plan.peakLos >= 'E' ? ` Expect crowding (level of service ${plan.peakLos}, ${plan.peakDensity} p/m²): stewards at the busiest exit.` : '';
  return `${closed}, ${plan.people} people: evacuate via ${via}; about ${Math.round(plan.rset.totalSeconds)} s.${gw}${jam}`;
}

/**
 * Runs the library, yielding to the event loop between scenarios so a runtime stays
 * responsive, and telling `progress` after each. `stop()` returning true ends it early.
 * Crowd-factor scenarios scale `base`; time-of-day ones take the slot's crowd (slotCrowd).
 */
export async function runLibrary(
  site: Site,
  base: ReadonlyMap<string, number>,
  options: Omit<PlanOptions, 'occupancy' | 'closed'>,
  progress: (done: number, total: number) => void,
  stop: () => boolean = () => false,
  learnt: (from: number, to: number) => SlotProfile | undefined = () => undefined,
): Promise<Library> {
  const crowds = new Map<string, Map<string, number>>();
  const skipped: Library['skipped'] = [];
  for (const slot of site.timesOfDay ?? []) {
    const crowd = slotCrowd(slot, learnt);
    if (crowd) crowds.set(slot.name, crowd);
    else skipped.push({ timeOfDay: slot.name, reason: `no people given for ${slotLabel(slot)} and no counts of those hours in the last days` });
  }
  const list = scenarioList(site).filter((s) => s.timeOfDay === undefined || crowds.has(s.timeOfDay));
  const guidelines: Guideline[] = [];
  for (const [i, s] of list.entries()) {
    if (stop()) break;
    const slot = site.timesOfDay?.find((x) => x.name === s.timeOfDay);
    const occupancy = slot ? (crowds.get(slot.name) as Map<string, number>) : new Map([...base].map(([k, v]) => [k, v * (s.factor as number)]));
    const plan = planEvacuation(site, { ...options, occupancy, closed: s.closed });
    const text = guidelineText(site, plan);
    guidelines.push({ scenarioId: s.scenarioId, closed: s.closed, people: plan.people, rsetSeconds: plan.rset?.totalSeconds, risk: plan.risk.score, text: slot ? `${slotLabel(slot)}: ${text}` : text, ...(slot ? { timeOfDay: slot.name } : {}) });
    progress(i + 1, list.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { guidelines, skipped };
}

/**
 * The guideline for the live situation: within a time of day (`timeOfDay`, the slot the live
 * time falls in) that slot's scenario with the same closures wins if its crowd is within ±25 %
 * of the live one; otherwise the crowd-factor scenario with the same closures and the nearest
 * crowd within ±25 %. Another slot's scenario never matches: its crowd belongs to its hours.
 */
export function matchGuideline(library: readonly Guideline[], closed: Iterable<string>, people: number, timeOfDay?: string): Guideline | undefined {
  const key = [...closed].sort().join('+');
  const off = (g: Guideline) => Math.abs(g.people - people) / Math.max(1, people);
  const nearest = (slot: string | undefined) => {
    let best: Guideline | undefined;
    for (const g of library) {
      if (g.timeOfDay !== slot || [...g.closed].sort().join('+') !== key) continue;
      if (off(g) <= MATCH_TOLERANCE && (!best || off(g) < off(best))) best = g;
    }
    return best;
  };
  return (timeOfDay !== undefined ? nearest(timeOfDay) : undefined) ?? nearest(undefined);
}
