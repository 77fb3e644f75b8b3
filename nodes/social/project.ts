/**
 * A social-media project: the analyst's search criteria (query, languages, zones, relevance
 * filter) checked and compiled once, then applied to each post.
 */
import { insidePolygon } from '../vision/geometry';
import { compileQuery, PostWords } from './query';
import type { CompiledQuery } from './query';
import { words } from './text';

/** The one post shape every source emits. */
export interface Post {
  id: string;
  text: string;
  /** ISO 639-1 code ("en", "it", "no"); "und" when unknown. */
  lang: string;
  author: string;
  /** Milliseconds since the epoch. */
  ts: number;
  geo?: { lat: number; lon: number };
  url: string;
  source: string;
}

export interface ZoneSpec {
  name: string;
  /** A ring of [lon, lat] positions, GeoJSON order; closed or not. */
  polygon?: Array<[number, number]>;
  /** Place names: a post that mentions one is about the zone (gazetteer). */
  places?: string[];
}

export interface ProjectSpec {
  query: string;
  /** Accepted languages; empty accepts every language. */
  languages?: string[];
  zones?: ZoneSpec[];
  /** Posts holding any of these words or phrases are dropped as unrelated. */
  exclude?: string[];
  /** Share (0–1) of the query's positive terms a post must hold. */
  minRelevance?: number;
  /** Whether posts outside every zone are kept (true when the project has no zone). */
  outsideZones?: boolean;
}

export interface Verdict {
  matched: boolean;
  /** Why a post was dropped: 'language', 'query', 'excluded', 'relevance', 'zone'. */
  reason?: string;
  relevance: number;
  hits: string[];
  zones: string[];
  /** The gazetteer names the post mentions (they boost the threat score). */
  places: string[];
  words: PostWords;
}

interface Zone {
  name: string;
  ring?: Array<[number, number]>;
  bbox?: [number, number, number, number];
  places: string[][];
}

export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectError';
  }
}

function phrases(list: unknown, what: string): string[][] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ProjectError(`${what} must be a list of words or phrases`);
  return list.map((p, i) => {
    if (typeof p !== 'string' || !words(p).length) throw new ProjectError(`${what}[${i}] must be a word or phrase`);
    return words(p);
  });
}

function ringOf(polygon: unknown, name: string): Array<[number, number]> {
  if (!Array.isArray(polygon) || polygon.length < 3) throw new ProjectError(`zone ${name}: polygon needs at least 3 [lon, lat] positions`);
  return polygon.map((p, i) => {
    if (!Array.isArray(p) || p.length < 2 || !p.slice(0, 2).every((v) => typeof v === 'number' && Number.isFinite(v)) || Math.abs(p[0]) > 180 || Math.abs(p[1]) > 90) {
      throw new ProjectError(`zone ${name}: polygon[${i}] is not a [lon, lat] position`);
    }
    return [p[0], p[1]];
  });
}

function holdsPhrase(post: PostWords, phrase: string[]): boolean {
  if (!post.has(phrase[0])) return false;
  for (const i of post.positions(phrase[0]) ?? []) {
    let k = 1;
    while (k < phrase.length && post.list[i + k] === phrase[k]) k++;
    if (k === phrase.length) return true;
  }
  return false;
}

export class Project {
  readonly query: CompiledQuery;
  readonly languages: ReadonlySet<string>;
  readonly minRelevance: number;
  private readonly zones: Zone[];
  private readonly exclude: string[][];
  private readonly outsideZones: boolean;

  constructor(spec: ProjectSpec) {
    this.query = compileQuery(spec.query);
    const langs = spec.languages ?? [];
    if (!Array.isArray(langs) || langs.some((l) => typeof l !== 'string' || !/^[a-z]{2,3}$/.test(l))) throw new ProjectError('languages must be ISO 639 codes such as en, it, no');
    this.languages = new Set(langs);
    const min = spec.minRelevance ?? 0;
    if (typeof min !== 'number' || !(min >= 0 && min <= 1)) throw new ProjectError('minRelevance must be between 0 and 1');
    this.minRelevance = min;
    this.exclude = phrases(spec.exclude, 'exclude');
    if (spec.zones !== undefined && !Array.isArray(spec.zones)) throw new ProjectError('zones must be a list');
    this.zones = (spec.zones ?? []).map((z, i) => {
      if (!z || typeof z.name !== 'string' || !z.name.trim()) throw new ProjectError(`zones[${i}] needs a name`);
      if (z.polygon === undefined && z.places === undefined) throw new ProjectError(`zone ${z.name} needs a polygon or places`);
      const zone: Zone = { name: z.name.trim(), places: phrases(z.places, `zone ${z.name} places`) };
      if (z.polygon !== undefined) {
        zone.ring = ringOf(z.polygon, z.name);
        const lons = zone.ring.map((p) => p[0]);
        const lats = zone.ring.map((p) => p[1]);
        zone.bbox = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
      }
      return zone;
    });
    this.outsideZones = spec.outsideZones ?? true;
  }

  /** Whether the project wants this post, and why not when it does not. */
  judge(post: Pick<Post, 'text' | 'lang' | 'geo'>, postWords: PostWords = PostWords.of(post.text)): Verdict {
    const verdict: Verdict = { matched: false, relevance: 0, hits: [], zones: [], places: [], words: postWords };
    if (this.languages.size && !this.languages.has(post.lang)) return { ...verdict, reason: 'language' };
    if (!this.query.test(postWords)) return { ...verdict, reason: 'query' };
    if (this.exclude.some((p) => holdsPhrase(postWords, p))) return { ...verdict, reason: 'excluded' };
    verdict.hits = this.query.hits(postWords);
    verdict.relevance = this.query.terms ? verdict.hits.length / this.query.terms : 1;
    if (verdict.relevance < this.minRelevance) return { ...verdict, reason: 'relevance' };
    for (const z of this.zones) {
      const named = z.places.filter((p) => holdsPhrase(postWords, p));
      const geo = post.geo;
      const inside = !!geo && !!z.ring && geo.lon >= z.bbox![0] && geo.lon <= z.bbox![2] && geo.lat >= z.bbox![1] && geo.lat <= z.bbox![3] && insidePolygon(geo.lon, geo.lat, z.ring);
      if (inside || named.length) verdict.zones.push(z.name);
      for (const p of named) verdict.places.push(p.join(' '));
    }
    if (this.zones.length && !this.outsideZones && !verdict.zones.length) return { ...verdict, reason: 'zone' };
    verdict.matched = true;
    return verdict;
  }
}
