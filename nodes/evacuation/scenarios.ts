/**
 * The pre-simulated scenario library: plans made ahead of time for every single exit closure
 * (and none) at several crowd sizes, each turned into a short operative guideline. When the
 * live situation matches a scenario (the same closures, a crowd within ±25 % of its size) the
 * guideline is shown at once, before or beside the live plan.
 */
import { planEvacuation } from './plan';
import type { Plan, PlanOptions } from './plan';
import type { Site } from './site';

export interface Scenario {
  scenarioId: string;
  closed: string[];
  /** Crowd size as a multiple of the base occupancy. */
  factor: number;
}

export interface Guideline {
  scenarioId: string;
  closed: string[];
  people: number;
  rsetSeconds?: number;
  risk: number;
  text: string;
}

export const CROWD_FACTORS = [0.5, 1, 1.5, 2];
const MATCH_TOLERANCE = 0.25;

export function scenarioList(site: Site, factors: number[] = CROWD_FACTORS): Scenario[] {
  const closures: string[][] = [[], ...site.exits.map((x) => [x.id])];
  return closures.flatMap((closed) => factors.map((factor) => ({ scenarioId: `${closed.length ? `close:${closed.join('+')}` : 'all-open'}@${factor}x`, closed, factor })));
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
 */
export async function runLibrary(
  site: Site,
  base: ReadonlyMap<string, number>,
  options: Omit<PlanOptions, 'occupancy' | 'closed'>,
  progress: (done: number, total: number) => void,
  stop: () => boolean = () => false,
): Promise<Guideline[]> {
  const list = scenarioList(site);
  const out: Guideline[] = [];
  for (const [i, s] of list.entries()) {
    if (stop()) break;
    const occupancy = new Map([...base].map(([k, v]) => [k, v * s.factor]));
    const plan = planEvacuation(site, { ...options, occupancy, closed: s.closed });
    out.push({ scenarioId: s.scenarioId, closed: s.closed, people: plan.people, rsetSeconds: plan.rset?.totalSeconds, risk: plan.risk.score, text: guidelineText(site, plan) });
    progress(i + 1, list.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** The guideline of the scenario with the same closures and the nearest crowd size within ±25 %. */
export function matchGuideline(library: readonly Guideline[], closed: Iterable<string>, people: number): Guideline | undefined {
  const key = [...closed].sort().join('+');
  let best: Guideline | undefined;
  for (const g of library) {
    if ([...g.closed].sort().join('+') !== key) continue;
    const off = Math.abs(g.people - people) / Math.max(1, people);
    if (off <= MATCH_TOLERANCE && (!best || off < Math.abs(best.people - people) / Math.max(1, people))) best = g;
  }
  return best;
}
