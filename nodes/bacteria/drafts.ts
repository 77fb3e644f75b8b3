/**
 * Bacteria alert drafts, written for the people who act on them: a headline with level and
 * place, an instruction for responders per tier, and a one-line summary (sampler, place,
 * position, level) that the Telegram and Rocket.Chat notifiers show in the field.
 */
import { formatValue } from '../anomaly/explain';
import type { Assessment } from './assess';

export interface DraftPlace {
  /** The detector node, named in source.node. */
  sourceNode?: string;
  areaDesc?: string;
  exercise: boolean;
  thresholdCfuPerM3: number;
}

const INSTRUCTIONS = {
  pathogen:
    'Evacuate and close the area now and keep people out. Stop the ventilation serving it to contain the release. Call the CBRN team and the health authority. Keep everyone who was in the area together for decontamination and medical follow-up.',
  threshold:
    'Keep the public out of the area. Switch its ventilation to full fresh air (no recirculation). Send a field team with a second sampler to confirm; anyone entering wears an FFP3 respirator.',
  background:
    'Levels are well above what is usual here at this hour. Check ventilation and cleaning logs and take a confirmation sample within the hour; no evacuation at this level.',
  failure: 'Check the sampler: power, pump and flow, inlet, plates or cartridge. Its readings are not reliable until it is fixed, so the area is not watched.',
};

function placeOf(a: Assessment, p: DraftPlace): string {
  return p.areaDesc || a.m.zone || a.m.sampler;
}

/** "sampler-3 · Metro hall · 45.41760, 11.88070 · 7,200 CFU/m³": what a field responder needs on one line. */
export function summary(a: Assessment, p: DraftPlace): string {
  const parts = [a.m.sampler, placeOf(a, p)];
  if (a.m.location) parts.push(`${a.m.location.coordinates[1].toFixed(5)}, ${a.m.location.coordinates[0].toFixed(5)}`);
  if (a.level !== undefined) parts.push(`${a.m.atLeast ? '≥ ' : ''}${formatValue(a.level)} ${a.unit}`);
  return parts.join(' · ');
}

function common(a: Assessment, p: DraftPlace, summaryLine: string): Record<string, unknown> {
  const draft: Record<string, unknown> = {
    tool: 'bacteria',
    source: p.sourceNode ? { node: p.sourceNode, ref: a.m.sampler } : { ref: a.m.sampler },
    occurredAt: new Date(a.m.ts).toISOString(),
    areaDesc: placeOf(a, p),
  };
  if (a.m.zone) draft.zone = a.m.zone;
  if (a.m.location) draft.location = a.m.location;
  if (p.exercise) draft.status = 'Exercise';
  draft.description = summaryLine;
  return draft;
}

function levelData(a: Assessment, p: DraftPlace, kind: 'level' | 'pathogen', summaryLine: string): Record<string, unknown> {
  const m = a.m;
  const data: Record<string, unknown> = { kind, sampler: m.sampler, summary: summaryLine, observedAt: new Date(m.ts).toISOString(), tiers: a.tiers };
  if (m.method) data.method = m.method;
  if (m.cfuPerM3 !== undefined) data.cfuPerM3 = Math.round(m.cfuPerM3 * 10) / 10;
  if (m.particlesPerM3 !== undefined) data.particlesPerM3 = Math.round(m.particlesPerM3);
  if (m.atLeast) data.atLeast = true;
  data.thresholdCfuPerM3 = p.thresholdCfuPerM3;
  if (a.background) {
    data.backgroundCfuPerM3 = Math.round(a.background.expected * 10) / 10;
    data.riseFactor = Math.round((a.level! / a.background.expected) * 100) / 100;
    data.z = Math.round(a.background.z * 100) / 100;
  }
  if (m.colonies !== undefined) data.colonies = m.colonies;
  if (m.correctedColonies !== undefined) data.correctedColonies = Math.round(m.correctedColonies * 10) / 10;
  if (m.airVolumeM3 !== undefined) data.airVolumeM3 = m.airVolumeM3;
  if (a.pathogen) data.pathogen = a.pathogen;
  return data;
}

/** The drafts one assessment raises: at most one for the level or pathogen, one for a failure. */
export function bacteriaDrafts(a: Assessment, p: DraftPlace): Array<Record<string, unknown>> {
  const drafts: Array<Record<string, unknown>> = [];
  const line = summary(a, p);
  const place = placeOf(a, p);
  const level = a.level !== undefined ? `${a.m.atLeast ? 'at least ' : ''}${formatValue(a.level)} ${a.unit}` : undefined;
  if (a.pathogen) {
    drafts.push({
      ...common(a, p, line),
      event: 'Dangerous pathogen identified',
      headline: `${a.pathogen.name} (risk group ${a.pathogen.riskGroup}) identified by ${a.m.sampler} in ${place}`,
      instruction: INSTRUCTIONS.pathogen,
      category: 'CBRNE',
      severity: 'critical',
      urgency: 'Immediate',
      certainty: 'Observed',
      data: { ...levelData(a, p, 'pathogen', line), tier: 'pathogen' },
    });
  } else if (a.tiers.includes('threshold')) {
    drafts.push({
      ...common(a, p, line),
      event: 'Airborne bacteria above threshold',
      headline: `${level} in ${place} (threshold ${formatValue(p.thresholdCfuPerM3)})`,
      instruction: INSTRUCTIONS.threshold,
      category: 'Health',
      severity: 'high',
      urgency: 'Expected',
      certainty: 'Observed',
      data: { ...levelData(a, p, 'level', line), tier: 'threshold' },
    });
  } else if (a.tiers.includes('background') && a.background) {
    drafts.push({
      ...common(a, p, line),
      event: 'Airborne bacteria above background',
      headline: `${level} in ${place}, ${formatValue(a.level! / a.background.expected)}× its usual ${formatValue(a.background.expected)}`,
      instruction: INSTRUCTIONS.background,
      category: 'Health',
      severity: 'medium',
      urgency: 'Expected',
      certainty: 'Likely',
      data: { ...levelData(a, p, 'level', line), tier: 'background' },
    });
  }
  if (a.failure) {
    drafts.push({
      ...common(a, p, `${a.m.sampler} · ${place}: ${a.failure}`),
      event: 'Sampler failure',
      headline: `Sampler ${a.m.sampler} in ${place}: ${a.failure}`.slice(0, 500),
      instruction: INSTRUCTIONS.failure,
      category: 'Infra',
      severity: 'medium',
      urgency: 'Expected',
      certainty: 'Observed',
      data: { kind: 'sampler-failure', sampler: a.m.sampler, reason: a.failure.slice(0, 1000), observedAt: new Date(a.m.ts).toISOString(), summary: `${a.m.sampler} · ${place}: ${a.failure}`.slice(0, 500) },
    });
  }
  return drafts;
}
