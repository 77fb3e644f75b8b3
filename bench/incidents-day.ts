/**
 * A generated 24-hour city day for bench/incidents.ts: a few real events from every tool (each
 * tool's alerts as its detectors raise them: several cameras, counters, posts, assets, with
 * repeats every few seconds while the event lasts), and the noise between them (isolated
 * low-priority anomalies, posts without a place, overloaded operators, sensors that go offline
 * and the detector alerts of those sensors). Seeded: every run sees the same day.
 */
import type { AlertDraft } from '../nodes/platform';
import { Rng } from './random';

export interface TimedDraft {
  /** Milliseconds from the start of the day. */
  at: number;
  draft: AlertDraft;
  /** Which generated event it belongs to (`noise` for none): to check the grouping. */
  event: string;
}

const ZONES: Array<{ zone: string; name: string; at: [number, number] }> = [
  { zone: 'piazza-signori', name: 'Piazza dei Signori', at: [11.8768, 45.4077] },
  { zone: 'station', name: 'Railway station', at: [11.8807, 45.4179] },
  { zone: 'metro-hall', name: 'Metro hall', at: [11.8702, 45.4101] },
  { zone: 'prato-valle', name: 'Prato della Valle', at: [11.8763, 45.3985] },
  { zone: 'stadium', name: 'Stadium', at: [11.8467, 45.4172] },
  { zone: 'hospital', name: 'Hospital', at: [11.8873, 45.4034] },
  { zone: 'university', name: 'University quarter', at: [11.8810, 45.4068] },
  { zone: 'market', name: 'Market square', at: [11.8745, 45.4069] },
  { zone: 'bus-hub', name: 'Bus hub', at: [11.8830, 45.4150] },
  { zone: 'park', name: 'City park', at: [11.8650, 45.4000] },
];

const MIN = 60_000;
const FIREARM_DATA = (camera: string) => ({ camera, frame: { width: 1920, height: 1080 }, detections: [{ className: 'handgun', score: 0.9, box: [10, 10, 60, 120] }] });

export function cityDay(seed = 20251205): TimedDraft[] {
  const rng = new Rng(seed);
  const out: TimedDraft[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng.next() * list.length)];
  const near = (p: [number, number], metres: number): [number, number] => [p[0] + ((rng.next() - 0.5) * 2 * metres) / 78_000, p[1] + ((rng.next() - 0.5) * 2 * metres) / 111_000];
  /** One alert and its repeats while the condition lasts. */
  const repeated = (event: string, start: number, lastsMs: number, everyMs: number, draft: AlertDraft) => {
    for (let t = start; t <= start + lastsMs; t += everyMs * (0.5 + rng.next())) out.push({ at: Math.round(t), draft, event });
  };
  const zoneAt = () => pick(ZONES);

  // Armed threats: cameras, crowd counters, posts, an evacuation plan, an overloaded operator.
  for (let i = 0; i < 3; i++) {
    const z = zoneAt();
    const t0 = int(8 * 60, 22 * 60) * MIN;
    const ev = `armed-${i}`;
    for (let c = 1, n = int(2, 3); c <= n; c++) {
      const cam = `${z.zone}-cam-${c}`;
      repeated(ev, t0 + c * 20_000, int(2, 6) * MIN, 5_000, {
        tool: 'firearm', event: 'Firearm detected', headline: `Handgun on ${cam}`, severity: 'critical', urgency: 'Immediate', certainty: 'Likely',
        zone: z.zone, areaDesc: z.name, location: { type: 'Point', coordinates: near(z.at, 60) }, source: { ref: cam }, data: FIREARM_DATA(cam),
      });
    }
    for (let c = 1, n = int(2, 4); c <= n; c++) {
      repeated(ev, t0 + int(1, 3) * MIN, int(5, 12) * MIN, 30_000, {
        tool: 'anomaly', event: 'Crowd-flow anomaly', headline: `People running at counter ${c}, ${z.name}`, severity: 'high', urgency: 'Immediate', certainty: 'Likely',
        zone: z.zone, areaDesc: z.name, source: { ref: `${z.zone}-counter-${c}` },
      });
    }
    for (let p = 0, n = int(5, 12); p < n; p++) {
      out.push({ at: t0 + int(2, 15) * MIN, event: ev, draft: {
        tool: 'social', event: 'Online threat', headline: `Post about shots at ${z.name}`, severity: pick(['high', 'medium'] as const), urgency: 'Expected', certainty: 'Possible',
        ...(rng.next() < 0.5 ? { zone: z.zone } : {}), source: { ref: `post-${ev}-${p}` },
      } });
    }
    repeated(ev, t0 + int(3, 6) * MIN, 10 * MIN, 60_000, {
      tool: 'evacuation', event: 'Evacuation plan', headline: `Evacuate ${z.name}`, severity: 'high', urgency: 'Immediate', certainty: 'Likely',
      location: { type: 'Point', coordinates: near(z.at, 120) }, source: { ref: `plan-${z.zone}` },
    });
    out.push({ at: t0 + int(4, 8) * MIN, event: ev, draft: { tool: 'workload', event: 'Operator overloaded', headline: 'Operator 2 workload high', severity: 'medium', urgency: 'Immediate', certainty: 'Observed', source: { ref: `operator-2-${i}` } } });
  }

  // Crowd trouble: counters and posts, no weapon.
  for (let i = 0; i < 3; i++) {
    const z = zoneAt();
    const t0 = int(10 * 60, 23 * 60) * MIN;
    const ev = `crowd-${i}`;
    for (let c = 1, n = int(2, 4); c <= n; c++) {
      repeated(ev, t0 + c * MIN, int(10, 25) * MIN, 60_000, {
        tool: 'anomaly', event: 'Crowd density', headline: `Crowd density high at counter ${c}, ${z.name}`, severity: 'medium', urgency: 'Expected', certainty: 'Likely',
        zone: z.zone, areaDesc: z.name, source: { ref: `${z.zone}-density-${c}` },
      });
    }
    for (let p = 0, n = int(3, 8); p < n; p++) {
      out.push({ at: t0 + int(0, 18) * MIN, event: ev, draft: { tool: 'social', event: 'Online threat', headline: `Calls to gather at ${z.name}`, severity: 'medium', urgency: 'Expected', certainty: 'Possible', zone: z.zone, source: { ref: `post-${ev}-${p}` } } });
    }
  }

  // Airborne hazards: samplers and an air-quality anomaly, sometimes an evacuation.
  for (let i = 0; i < 2; i++) {
    const z = zoneAt();
    const t0 = int(6 * 60, 20 * 60) * MIN;
    const ev = `air-${i}`;
    for (let s = 1, n = int(1, 2); s <= n; s++) {
      repeated(ev, t0 + s * 2 * MIN, 15 * MIN, 60_000, {
        tool: 'bacteria', event: 'Abnormal bacteria concentration', headline: `Sampler ${s} above threshold, ${z.name}`, severity: 'high', urgency: 'Immediate', certainty: 'Observed',
        zone: z.zone, areaDesc: z.name, source: { ref: `${z.zone}-sampler-${s}` },
      });
    }
    repeated(ev, t0 + 4 * MIN, 12 * MIN, 120_000, {
      tool: 'anomaly', event: 'Air quality anomaly', headline: `PM and CO2 anomaly at ${z.name}`, severity: 'medium', urgency: 'Expected', certainty: 'Likely',
      zone: z.zone, areaDesc: z.name, source: { ref: `${z.zone}-air-1` },
    });
    if (rng.next() < 0.5) {
      out.push({ at: t0 + 8 * MIN, event: ev, draft: { tool: 'evacuation', event: 'Evacuation plan', headline: `Evacuate ${z.name}`, severity: 'high', urgency: 'Immediate', certainty: 'Likely', zone: z.zone, source: { ref: `plan-air-${z.zone}` } } });
    }
  }

  // Cyber attacks: threat intelligence on several assets, then IDS hits.
  for (let i = 0; i < 2; i++) {
    const t0 = int(0, 23 * 60) * MIN;
    const ev = `cyber-${i}`;
    for (let a = 1, n = int(2, 5); a <= n; a++) {
      repeated(ev, t0 + a * MIN, 20 * MIN, 5 * MIN, { tool: 'cti', event: 'Indicator matches an asset', headline: `Malicious domain seen for asset tlc-${i}-${a}`, severity: 'high', urgency: 'Expected', certainty: 'Likely', source: { ref: `ioc-${i}-${a}` } });
    }
    for (let h = 1, n = int(3, 8); h <= n; h++) {
      repeated(ev, t0 + int(5, 30) * MIN, int(2, 10) * MIN, 20_000, { tool: 'ctdr', event: 'IDS alert on a vulnerable asset', headline: `Exploit attempt on host ${h}`, severity: pick(['high', 'critical'] as const), urgency: 'Immediate', certainty: 'Possible', source: { ref: `sid-${i}-${h}` } });
    }
  }

  // Noise: isolated low-priority anomalies, posts without a place, overloaded operators.
  for (let i = 0; i < 25; i++) {
    const z = zoneAt();
    repeated('noise', int(0, 24 * 60 - 10) * MIN, int(0, 6) * MIN, 2 * MIN, {
      tool: 'anomaly', event: pick(['Traffic anomaly', 'Noise level anomaly', 'Bus speed anomaly']), headline: `Unusual reading at ${z.name}`, severity: pick(['low', 'medium'] as const),
      urgency: 'Expected', certainty: 'Possible', zone: z.zone, areaDesc: z.name, source: { ref: `${z.zone}-sensor-${i}` },
    });
  }
  for (let i = 0; i < 8; i++) {
    out.push({ at: int(0, 24 * 60) * MIN, event: 'noise', draft: { tool: 'social', event: 'Online threat', headline: 'Vague threat in a post', severity: 'low', urgency: 'Future', certainty: 'Unlikely', source: { ref: `post-noise-${i}` } } });
  }
  for (let i = 0; i < 3; i++) {
    out.push({ at: int(0, 24 * 60) * MIN, event: 'noise', draft: { tool: 'workload', event: 'Operator overloaded', headline: `Operator ${i + 3} workload high`, severity: 'medium', urgency: 'Immediate', certainty: 'Observed', source: { ref: `operator-${i + 3}` } } });
  }

  // Sensors going offline, and the alerts their detectors raise meanwhile.
  for (let i = 0; i < 2; i++) {
    const z = zoneAt();
    const sensor = `${z.zone}-counter-offline-${i}`;
    const t0 = int(1 * 60, 22 * 60) * MIN;
    const ev = `outage-${i}`;
    // As impetus-sensor-in raises it for a quiet sensor.
    repeated(ev, t0, 30 * MIN, 5 * MIN, {
      tool: 'anomaly', event: 'Sensor quiet', headline: `Sensor ${sensor} quiet`, severity: 'low', urgency: 'Expected', certainty: 'Observed', category: 'Infra',
      zone: z.zone, source: { ref: sensor }, data: { kind: 'sensor-availability', sensorId: sensor },
    });
    repeated(ev, t0 + 30_000, 25 * MIN, 60_000, { tool: 'anomaly', event: 'Counter flat-lined', headline: `${sensor} reads zero`, severity: 'medium', urgency: 'Expected', certainty: 'Possible', zone: z.zone, source: { ref: sensor } });
  }

  return out.sort((a, b) => a.at - b.at);
}
