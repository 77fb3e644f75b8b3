/**
 * The Bacteria Detector's judgement of each measurement, per sampler:
 *
 * - pathogen: an identified risk-group 3 or 4 organism (immediate P1);
 * - threshold: the level at or above the absolute limit (5,000 CFU/m³ for public premises by
 *   default);
 * - background: the level far above this site's own usual level for the time of day, from the
 *   anomaly detector's seasonal baseline on log10 of the level (airborne counts are roughly
 *   log-normal: a doubling matters as much at 200 as at 2,000): at least `riseZ` spreads and
 *   `riseFactor` times the expected level;
 * - sampler failure: whatever the measurement says is wrong with the sampler, or a
 *   fluorescent counter stuck at one count; reported once per failure, cleared by a good
 *   reading.
 */
import { SeasonalBaseline } from '../anomaly/baseline';
import type { BaselineOptions } from '../anomaly/baseline';
import { LocalTime } from '../anomaly/local-time';
import { record } from '../anomaly/state-codec';
import { StuckDetector } from '../anomaly/stuck';
import type { Identified, Measurement } from './measurement';
import type { PathogenTable } from './pathogens';

export type Tier = 'pathogen' | 'threshold' | 'background';

export interface AssessorConfig {
  thresholdCfuPerM3: number;
  riseFactor: number;
  riseZ: number;
  baseline: BaselineOptions;
  timeZone: string;
  pathogens: PathogenTable;
}

export interface Background {
  /** The usual level at this time, and the band of ± 3 spreads around it, in the level's unit. */
  expected: number;
  low: number;
  high: number;
  z: number;
}

export interface Assessment {
  m: Measurement;
  /** The level assessed: CFU/m³ when known, else fluorescent particles/m³. */
  level?: number;
  unit?: 'CFU/m³' | 'particles/m³';
  background?: Background;
  tiers: Tier[];
  /** The worst identified organism of risk group 3 or 4. */
  pathogen?: Required<Identified>;
  /** Organisms reported whose risk group is not known. */
  unknownOrganisms: string[];
  /** A failure that starts with this measurement (reported once). */
  failure?: string;
  recovered: boolean;
  warmingUp: boolean;
}

/** A fluorescent counter repeating one count this surprisingly is stuck (1 in 10,000). */
const STUCK_LIMIT = Math.log(1e4);
const BAND = 3;

interface SamplerState {
  background: Map<string, SeasonalBaseline>;
  stuck?: StuckDetector;
  failing: boolean;
}

export class BacteriaAssessor {
  private readonly clock: LocalTime;
  private readonly samplers = new Map<string, SamplerState>();

  constructor(readonly config: AssessorConfig) {
    this.clock = new LocalTime(config.timeZone);
  }

  get size(): number {
    return this.samplers.size;
  }

  private state(sampler: string): SamplerState {
    let s = this.samplers.get(sampler);
    if (!s) {
      s = { background: new Map(), failing: false };
      this.samplers.set(sampler, s);
    }
    return s;
  }

  assess(m: Measurement): Assessment {
    const s = this.state(m.sampler);
    const a: Assessment = { m, tiers: [], unknownOrganisms: [], recovered: false, warmingUp: false };
    const faults = [...m.faults];
    if (m.method === 'fluorescent' && m.particlesPerM3 !== undefined) {
      s.stuck ??= new StuckDetector(this.clock, 24);
      if (s.stuck.step(m.ts, m.particlesPerM3) > STUCK_LIMIT) faults.push(`fluorescent count stuck at ${Math.round(m.particlesPerM3)} per m³ for ${s.stuck.run} readings`);
    }
    this.pathogens(m, a);
    const level = m.cfuPerM3 ?? m.particlesPerM3;
    if (level !== undefined && !faults.length) {
      a.level = level;
      a.unit = m.cfuPerM3 !== undefined ? 'CFU/m³' : 'particles/m³';
      if (m.cfuPerM3 !== undefined && m.cfuPerM3 >= this.config.thresholdCfuPerM3) a.tiers.push('threshold');
      this.background(s, a, level);
    }
    if (faults.length && !s.failing) a.failure = faults.join('; ');
    if (!faults.length && s.failing) a.recovered = true;
    s.failing = faults.length > 0;
    return a;
  }

  private pathogens(m: Measurement, a: Assessment): void {
    for (const organism of m.identified) {
      const group = organism.riskGroup ?? this.config.pathogens.riskGroup(organism.name);
      if (group === undefined) a.unknownOrganisms.push(organism.name);
      else if (group >= 3 && (!a.pathogen || group > a.pathogen.riskGroup)) a.pathogen = { name: organism.name, riskGroup: group };
    }
    if (a.pathogen) a.tiers.unshift('pathogen');
  }

  /** Scores the level against the site's background, then learns it (robustly: one burst barely moves it). */
  private background(s: SamplerState, a: Assessment, level: number): void {
    const key = a.unit!;
    let b = s.background.get(key);
    if (!b) {
      b = new SeasonalBaseline(this.config.baseline, this.clock);
      s.background.set(key, b);
    }
    const z = b.step(a.m.ts, Math.log10(Math.max(level, 1)));
    if (Number.isNaN(z)) {
      a.warmingUp = true;
      return;
    }
    const expected = 10 ** b.expected;
    a.background = { expected, low: 10 ** (b.expected - BAND * b.expectedScale), high: 10 ** (b.expected + BAND * b.expectedScale), z };
    if (z >= this.config.riseZ && level >= this.config.riseFactor * expected) a.tiers.push('background');
  }

  toJSON(): object {
    return Object.fromEntries(
      [...this.samplers].map(([id, s]) => [id, { background: Object.fromEntries([...s.background].map(([k, b]) => [k, b.toJSON()])), stuck: s.stuck?.toJSON() ?? null, failing: s.failing }]),
    );
  }

  load(raw: unknown): void {
    for (const [id, saved] of Object.entries(record(raw, 'samplers'))) {
      const s = record(saved, `samplers.${id}`);
      const state: SamplerState = { background: new Map(), failing: s.failing === true };
      for (const [k, b] of Object.entries(record(s.background, `samplers.${id}.background`))) {
        state.background.set(k, SeasonalBaseline.fromJSON(b, this.config.baseline, this.clock, `samplers.${id}.background.${k}`));
      }
      if (s.stuck !== null && s.stuck !== undefined) state.stuck = StuckDetector.fromJSON(s.stuck, this.clock, 24, `samplers.${id}.stuck`);
      this.samplers.set(id, state);
    }
  }
}

