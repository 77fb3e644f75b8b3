/**
 * Writes the demo's sensor history, seeded so the files are reproducible:
 *
 * - flows/demo-ring2.csv: two weeks of 15-minute rows from Oslo's Ring 2 (buses standing
 *   still, mean bus speed, vehicles), in Oslo time, ending with the night IMPETUS saw in the
 *   trial: nine buses stalled at 02:00 after a shooting closed the road;
 * - flows/demo-samplers.csv: a week of hourly airborne-bacteria levels (CFU/m³) from the metro
 *   hall sampler, the background the Bacteria Detector learns.
 *
 * Run: npm run build && node dist/scripts/demo-sensor-data.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../bench/random';

const root = path.resolve(__dirname, '..', '..');
const HOUR = 3_600_000;
const START = Date.UTC(2025, 2, 3) - HOUR; // Monday 3 March 2025, 00:00 in Oslo (UTC+1)

function activity(localHourOfWeek: number): number {
  const day = Math.floor(localHourOfWeek / 24);
  const h = localHourOfWeek - day * 24;
  const bump = (c: number, w: number) => Math.exp(-0.5 * ((h - c) / w) ** 2);
  if (day >= 5) return 0.05 + 0.5 * bump(14, 3.5);
  return 0.05 + 0.9 * bump(8, 1.4) + 0.5 * bump(13, 2.5) + 0.85 * bump(16.5, 1.6);
}

function ring2(): string {
  const rng = new Rng(2023);
  const rows = ['timestamp,buses_stopped,bus_speed_kmh,vehicles'];
  const step = HOUR / 4;
  // Two weeks, then the night of Sunday 16 to Monday 17 March until 06:00.
  const end = START + 14 * 24 * HOUR + 6 * HOUR;
  const incidentFrom = START + 14 * 24 * HOUR + 2 * HOUR;
  const incidentTo = incidentFrom + 1.5 * HOUR;
  for (let t = START; t < end; t += step) {
    const how = ((t - START) / HOUR) % 168;
    const a = activity(how);
    const demand = 1 + 0.08 * rng.normal();
    let stopped = rng.poisson(0.3 + 3.2 * a * demand);
    let speed = 33 - 11 * a * demand + 1.5 * rng.normal();
    let vehicles = rng.poisson((40 + 700 * a) * demand);
    if (t >= incidentFrom && t < incidentTo) {
      stopped = 9;
      speed = 7 + rng.normal();
      vehicles = Math.round(vehicles * 1.4);
    }
    rows.push(`${new Date(t).toISOString()},${stopped},${speed.toFixed(1)},${vehicles}`);
  }
  return `${rows.join('\n')}\n`;
}

function samplers(): string {
  const rng = new Rng(2024);
  const rows = ['timestamp,sensorId,cfu_per_m3'];
  for (let t = START + 7 * 24 * HOUR; t < START + 14 * 24 * HOUR; t += HOUR) {
    const how = ((t - START) / HOUR) % 168;
    // Occupancy drives the indoor level: about 600 CFU/m³ at night, 1,800 at the busiest hours.
    const level = 600 * Math.exp(1.1 * activity(how) + 0.18 * rng.normal());
    rows.push(`${new Date(t).toISOString()},sampler-3,${Math.round(level)}`);
  }
  return `${rows.join('\n')}\n`;
}

fs.writeFileSync(path.join(root, 'flows', 'demo-ring2.csv'), ring2());
fs.writeFileSync(path.join(root, 'flows', 'demo-samplers.csv'), samplers());
console.log('wrote flows/demo-ring2.csv and flows/demo-samplers.csv');
