import { compileRegex, predicateFor } from './compare';
import type { Predicate } from './compare';
import { parsePattern, parseTimestamp } from './parser';
import type { Comparison, ObjectPath, Observation, PathStep } from './parser';
import { PatternSyntaxError } from './lexer';

/**
 * Evaluation of a STIX 2.1 pattern over observed data, with the semantics of STIX 2.1 §9 as
 * OASIS's reference matcher (`stix2-matcher` 3.0) implements them:
 *
 * - a comparison expression (`[…]`) holds for an observation when one of its cyber-observable
 *   objects satisfies it; `AND` inside brackets needs the *same* root object on both sides;
 *   a path through `*_ref`/`*_refs` follows the reference inside that observation;
 * - an observed-data with `number_observed` n counts as n observations (REPEATS counts them);
 * - observation `AND`/`FOLLOWEDBY`/`REPEATS` need distinct observations; `FOLLOWEDBY` needs
 *   timestamps that can be chosen in order; `WITHIN` and `START`/`STOP` test the observations'
 *   [first_observed, last_observed] intervals (STOP excluded).
 *
 * Bindings are produced lazily, so a match is found without enumerating every combination.
 */

export interface ObservedData {
  first: number;
  last: number;
  count: number;
  /** Cyber-observable objects of the observation, by id (2.1 `object_refs`) or key (`objects`). */
  objects: Map<string, Record<string, unknown>>;
  /** The observed-data's id, for sightings. */
  id?: string;
}

export interface MatchResult {
  matched: boolean;
  /** The observations (indexes into the list given) of the first binding found. */
  observations: number[];
}

/** number_observed above this still counts, but only this many instances are told apart. */
const MAX_INSTANCES = 1000;
/** Bound on the combinations one evaluation may try; past it the evaluation fails clearly. */
const MAX_STEPS = 2_000_000;

type Binding = number[];

export class CompiledPattern {
  readonly tree: Observation;
  private readonly predicates = new Map<Comparison, Predicate>();

  constructor(readonly source: string) {
    this.tree = parsePattern(source);
    this.compile(this.tree);
  }

  match(observations: ObservedData[]): MatchResult {
    const run = new Run(observations, this.predicates);
    for (const binding of run.bindings(this.tree)) {
      return { matched: true, observations: [...new Set(binding.map((i) => run.instanceObs[i]))].sort((a, b) => a - b) };
    }
    return { matched: false, observations: [] };
  }

  private compile(o: Observation): void {
    if (o.kind === 'simple') this.compileCmp(o.comparison);
    else if (o.kind === 'qualified') this.compile(o.inner);
    else { this.compile(o.left); this.compile(o.right); }
  }

  private compileCmp(c: Comparison): void {
    if (c.kind === 'and' || c.kind === 'or') { this.compileCmp(c.left); this.compileCmp(c.right); return; }
    if (c.kind !== 'test') return;
    if (c.op === 'MATCHES' && !Array.isArray(c.value)) {
      try {
        compileRegex(c.value.value as string);
      } catch (err) {
        throw new PatternSyntaxError(`invalid regular expression at position ${c.pos}: ${(err as Error).message}`, c.pos, this.source);
      }
    }
    this.predicates.set(c, predicateFor(c.op, c.value, c.negated));
  }
}

export function compilePattern(source: string): CompiledPattern {
  return new CompiledPattern(source);
}

class Run {
  readonly instanceObs: number[] = [];
  private readonly firstInstance: number[] = [];
  private steps = 0;

  constructor(private readonly obs: ObservedData[], private readonly predicates: Map<Comparison, Predicate>) {
    for (let i = 0; i < obs.length; i++) {
      this.firstInstance.push(this.instanceObs.length);
      const n = Math.min(Math.max(1, Math.floor(obs[i].count)), MAX_INSTANCES);
      for (let k = 0; k < n; k++) this.instanceObs.push(i);
    }
  }

  private tick(): void {
    if (++this.steps > MAX_STEPS) throw new Error(`pattern evaluation stopped after ${MAX_STEPS} combinations`);
  }

  *bindings(o: Observation): Generator<Binding> {
    switch (o.kind) {
      case 'simple':
        for (let i = 0; i < this.obs.length; i++) {
          if (this.roots(o.comparison, i).size === 0) continue;
          const n = Math.min(Math.max(1, Math.floor(this.obs[i].count)), MAX_INSTANCES);
          for (let k = 0; k < n; k++) yield [this.firstInstance[i] + k];
        }
        return;
      case 'or':
        yield* this.bindings(o.left);
        yield* this.bindings(o.right);
        return;
      case 'and':
        yield* this.join(o.left, o.right, () => true);
        return;
      case 'followedBy':
        yield* this.join(o.left, o.right, (l, r) => this.latestFirst(l) <= this.earliestLast(r));
        return;
      case 'qualified':
        yield* this.qualified(o.inner, o.qualifier);
        return;
    }
  }

  private *qualified(inner: Observation, q: Extract<Observation, { kind: 'qualified' }>['qualifier']): Generator<Binding> {
    if (q.kind === 'repeats') {
      yield* this.repeats(inner, q.times);
      return;
    }
    if (q.kind === 'within') {
      const ms = q.seconds * 1000;
      if (!(ms > 0)) return;
      for (const b of this.bindings(inner)) if (this.within(b, ms)) yield b;
      return;
    }
    if (!(q.start < q.stop)) return;
    for (const b of this.bindings(inner)) {
      // Each observation's interval must overlap [start, stop), touching start allowed.
      if (b.every((i) => { const o = this.obs[this.instanceObs[i]]; return o.first < q.stop && o.last >= q.start; })) yield b;
    }
  }

  /** The cartesian product of two binding streams, keeping disjoint pairs that pass `keep`. */
  private *join(left: Observation, right: Observation, keep: (l: Binding, r: Binding) => boolean): Generator<Binding> {
    const lefts: Binding[] = [];
    const rights: Binding[] = [];
    const li = this.bindings(left);
    const ri = this.bindings(right);
    let lDone = false;
    let rDone = false;
    while (!lDone || !rDone) {
      if (!rDone) {
        const r = ri.next();
        if (r.done) rDone = true;
        else {
          for (const l of lefts) { this.tick(); if (disjoint(l, r.value) && keep(l, r.value)) yield [...l, ...r.value]; }
          rights.push(r.value);
        }
      }
      if (!lDone) {
        const l = li.next();
        if (l.done) lDone = true;
        else {
          for (const r of rights) { this.tick(); if (disjoint(l.value, r) && keep(l.value, r)) yield [...l.value, ...r]; }
          lefts.push(l.value);
        }
      }
      if ((lDone && lefts.length === 0) || (rDone && rights.length === 0)) return;
    }
  }

  /** `times` pairwise-disjoint bindings of the inner expression, searched depth-first. */
  private *repeats(inner: Observation, times: number): Generator<Binding> {
    if (times < 1) return;
    const all: Binding[] = [];
    for (const b of this.bindings(inner)) {
      this.tick();
      all.push(b);
    }
    const chosen: Binding[] = [];
    const used = new Set<number>();
    const self = this;
    function* pick(from: number): Generator<Binding> {
      if (chosen.length === times) { yield chosen.flat(); return; }
      for (let i = from; i <= all.length - (times - chosen.length); i++) {
        self.tick();
        if (all[i].some((x) => used.has(x))) continue;
        chosen.push(all[i]);
        for (const x of all[i]) used.add(x);
        yield* pick(i + 1);
        chosen.pop();
        for (const x of all[i]) used.delete(x);
      }
    }
    yield* pick(0);
  }

  private latestFirst(b: Binding): number {
    return Math.max(...b.map((i) => this.obs[this.instanceObs[i]].first));
  }

  private earliestLast(b: Binding): number {
    return Math.min(...b.map((i) => this.obs[this.instanceObs[i]].last));
  }

  /** Whether one window of `ms` can touch every observation's interval of the binding. */
  private within(b: Binding, ms: number): boolean {
    const start = this.earliestLast(b);
    return b.every((i) => {
      const o = this.obs[this.instanceObs[i]];
      return o.first <= start + ms && o.last >= start;
    });
  }

  /** The ids of the root objects of observation `i` that satisfy the comparison expression. */
  private roots(c: Comparison, i: number): Set<string> {
    if (c.kind === 'and') {
      const left = this.roots(c.left, i);
      if (left.size === 0) return left;
      const right = this.roots(c.right, i);
      return new Set([...left].filter((id) => right.has(id)));
    }
    if (c.kind === 'or') return new Set([...this.roots(c.left, i), ...this.roots(c.right, i)]);
    const found = new Set<string>();
    const objects = this.obs[i].objects;
    const test = c.kind === 'test' ? this.predicates.get(c)! : () => true;
    for (const [id, object] of objects) {
      if (object.type !== c.path.objectType) continue;
      if (select(object, c.path, objects).some(test)) found.add(id);
    }
    return found;
  }
}

function disjoint(a: Binding, b: Binding): boolean {
  return !a.some((x) => b.includes(x));
}

/** The values a path selects from one object; `*_ref(s)` follow references within the observation. */
function select(object: Record<string, unknown>, path: ObjectPath, objects: Map<string, Record<string, unknown>>): unknown[] {
  let values: unknown[] = [object];
  for (const step of path.steps) {
    values = stepInto(values, step, objects);
    if (values.length === 0) break;
  }
  return values;
}

function stepInto(values: unknown[], step: PathStep, objects: Map<string, Record<string, unknown>>): unknown[] {
  const out: unknown[] = [];
  if ('key' in step) {
    const key = step.key;
    for (const v of values) {
      if (!isRecord(v) || !Object.prototype.hasOwnProperty.call(v, key)) continue;
      const raw = v[key];
      if (key.endsWith('_ref')) {
        const ref = typeof raw === 'string' ? objects.get(raw) : undefined;
        if (ref) out.push(ref);
      } else if (key.endsWith('_refs')) {
        if (!Array.isArray(raw)) continue;
        const refs = raw.map((r) => (typeof r === 'string' ? objects.get(r) : undefined)).filter((r) => r !== undefined);
        if (refs.length > 0) out.push(refs);
      } else {
        const typed = typedValue(key, raw);
        if (typed !== undefined) out.push(typed);
      }
    }
  } else if (step.index === '*') {
    for (const v of values) if (Array.isArray(v)) out.push(...v);
  } else {
    const index = step.index;
    for (const v of values) if (Array.isArray(v) && index >= 0 && index < v.length) out.push(v[index]);
  }
  return out;
}

/** `*_hex` and `*_bin` properties hold binary values (STIX 2.1 §2.5, §2.6). */
function typedValue(key: string, raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (key.endsWith('_hex')) return /^([0-9a-fA-F]{2})*$/.test(raw) ? Buffer.from(raw, 'hex') : undefined;
  if (key.endsWith('_bin')) return Buffer.from(raw, 'base64');
  return raw;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The observations in a list of STIX objects (a bundle's `objects`, a TAXII envelope's): every
 * observed-data with its SCOs, from `object_refs` (2.1) or the deprecated `objects` map. A bad
 * observed-data (no timestamps, number_observed below 1) is an error naming it.
 */
export function observationsOf(stixObjects: unknown[]): ObservedData[] {
  const byId = new Map<string, Record<string, unknown>>();
  for (const o of stixObjects) if (isRecord(o) && typeof o.id === 'string') byId.set(o.id, o);
  const out: ObservedData[] = [];
  for (const o of stixObjects) {
    if (!isRecord(o) || o.type !== 'observed-data') continue;
    const name = typeof o.id === 'string' ? o.id : 'observed-data';
    const first = parseTimestamp(String(o.first_observed));
    const last = parseTimestamp(String(o.last_observed));
    const count = Number(o.number_observed);
    if (Number.isNaN(first) || Number.isNaN(last) || first > last) throw new Error(`${name}: first_observed and last_observed must be STIX timestamps, first ≤ last`);
    if (!Number.isInteger(count) || count < 1) throw new Error(`${name}: number_observed must be a whole number ≥ 1`);
    const objects = new Map<string, Record<string, unknown>>();
    if (Array.isArray(o.object_refs)) {
      for (const ref of o.object_refs) {
        const sco = typeof ref === 'string' ? byId.get(ref) : undefined;
        if (sco) objects.set(ref as string, sco);
      }
    } else if (isRecord(o.objects)) {
      for (const [key, sco] of Object.entries(o.objects)) if (isRecord(sco)) objects.set(key, sco);
    }
    out.push({ first, last, count, objects, id: typeof o.id === 'string' ? o.id : undefined });
  }
  return out;
}
