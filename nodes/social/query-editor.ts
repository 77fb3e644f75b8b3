/**
 * The project's query, edited from the console: an analyst writes a query, previews what it
 * would have matched over the last day (how many posts, which ones, the volume hour by hour,
 * beside the query in force), and applies it. Applying is audited (who, when, from what, to
 * what, why) and kept in the user directory, so the applied query survives restarts; the
 * console's panel (kind `editor`) shows the query in force and its history. Plain code, tested
 * without Node-RED; the project config node (impetus-social-project.ts) owns one.
 *
 * The preview needs the posts the query in force did *not* match, so the analyse nodes hand every
 * post they see to the project (`RecentPosts`): the last 24 hours (or the project's retention
 * time, if shorter), at most 20,000 posts of at most 2,000 characters, authors pseudonymised as
 * the project stores them, in memory only.
 */
import * as fs from 'node:fs';
import type { FileStateStore } from '../anomaly/persist';
import type { PanelForm, PanelState, Role, SessionUser } from '../platform';
import { PanelRequestError } from '../platform';
import { pseudonym } from './analyse';
import type { Post, Project } from './project';
import { QuerySyntaxError } from './query';

export const DAY_MS = 24 * 3_600_000;
const HOUR_MS = 3_600_000;
/** Posts the preview keeps at most, and characters of each: memory stays bounded at any rate. */
const MAX_RECENT = 20_000;
const MAX_TEXT = 2_000;
/** Posts the preview shows. */
const SAMPLE = 10;
/** Audit entries kept with the query (the oldest go; each is also in the runtime's audit log). */
const MAX_HISTORY = 100;
const MAX_QUERY = 10_000;
const MAX_REASON = 500;

export type RecentPost = Pick<Post, 'id' | 'text' | 'lang' | 'author' | 'ts' | 'url' | 'geo'>;

/** The posts of the last day, in arrival order, bounded. */
export class RecentPosts {
  private posts: RecentPost[] = [];
  private start = 0;

  constructor(private readonly spanMs = DAY_MS, private readonly max = MAX_RECENT) {}

  add(post: Post, pseudonymSecret: string | undefined, now = Date.now()): void {
    if (post.ts < now - this.spanMs) return;
    this.posts.push({
      id: post.id,
      text: post.text.length > MAX_TEXT ? post.text.slice(0, MAX_TEXT) : post.text,
      lang: post.lang,
      author: pseudonymSecret === undefined ? post.author : pseudonym(post.author, pseudonymSecret),
      ts: post.ts,
      url: post.url,
      ...(post.geo ? { geo: post.geo } : {}),
    });
    if (this.posts.length - this.start > this.max) this.start++;
    // Compact now and then rather than shift at every post.
    if (this.start > 4096 && this.start * 2 > this.posts.length) {
      this.posts = this.posts.slice(this.start);
      this.start = 0;
    }
  }

  /** The posts within the span before `now`. */
  within(now = Date.now()): RecentPost[] {
    const cutoff = now - this.spanMs;
    return this.posts.slice(this.start).filter((p) => p.ts >= cutoff && p.ts <= now);
  }
}

export interface Preview {
  query: string;
  /** Posts of the last day the preview looked at. */
  posts: number;
  /** Of them, matched by the proposed query, by the query in force, by the proposed only, by the one in force only. */
  matched: number;
  current: number;
  added: number;
  removed: number;
  /** The newest posts the proposed query matches; `added` when the query in force does not. */
  sample: Array<{ time: string; text: string; author: string; lang: string; url: string; hits: string[]; added: boolean }>;
  /** Posts per hour over the last day, oldest first: the proposed query's and the one in force's. */
  volume: Array<{ x: number; proposed: number; current: number }>;
}

/** What the proposed project would have matched among the posts, beside the project in force. */
export function previewQuery(query: string, proposed: Project, current: Project, posts: RecentPost[], now: number): Preview {
  const first = Math.floor((now - DAY_MS) / HOUR_MS) * HOUR_MS + HOUR_MS;
  const volume = Array.from({ length: 24 }, (_, i) => ({ x: first + i * HOUR_MS, proposed: 0, current: 0 }));
  const out: Preview = { query, posts: posts.length, matched: 0, current: 0, added: 0, removed: 0, sample: [], volume };
  const matches: Array<{ p: RecentPost; hits: string[]; added: boolean }> = [];
  for (const p of posts) {
    const next = proposed.judge(p);
    const now = current.judge(p).matched;
    const bin = volume[Math.min(23, Math.max(0, Math.floor((p.ts - first) / HOUR_MS)))];
    if (now) {
      out.current++;
      bin.current++;
    }
    if (next.matched) {
      out.matched++;
      bin.proposed++;
      matches.push({ p, hits: next.hits, added: !now });
    }
    if (next.matched && !now) out.added++;
    if (!next.matched && now) out.removed++;
  }
  out.sample = matches.sort((a, b) => b.p.ts - a.p.ts).slice(0, SAMPLE).map(({ p, hits, added }) => ({
    time: new Date(p.ts).toISOString(), text: p.text.length > 280 ? `${p.text.slice(0, 280)}…` : p.text, author: p.author, lang: p.lang, url: p.url, hits, added,
  }));
  return out;
}

export interface QueryChange {
  at: string;
  by: string;
  role: Role;
  from: string;
  to: string;
  reason: string;
}

/** The file's content: the query applied from the console, the flow's query it replaced, the audit. */
interface Saved {
  version: 1;
  flowQuery: string;
  query?: string;
  history: QueryChange[];
}

export interface QueryEditorOptions {
  /** The query the flow's project node holds. */
  flowQuery: string;
  /** Where the applied query and its history are kept (a JSON file, written to a temporary name and renamed). */
  store: FileStateStore;
  /** A project like the flow's with another query; throws QuerySyntaxError or ProjectError. */
  build(query: string): Project;
  /** Told of the project to use from now on (the analyse nodes take it up with their next post). */
  use(project: Project): void;
  /** Told when the panel has something new to show (the console sends it with its next flush). */
  touch(): void;
  /** The runtime's audit log, and a warning for the flow's log. */
  audit(entry: QueryChange & { project: string }): void;
  warn(message: string): void;
  project: string;
  /** Roles that may preview and apply; admin always may. */
  editors: Role[];
  recent: RecentPosts;
  now?: () => number;
}

/**
 * The query editor of one project, as a console panel: its snapshot is the query in force and its
 * history; its requests are `preview` and `apply`. Started with the flow's query, or the one
 * applied from the console if the flow's has not changed since (a flow edited after the console's
 * change wins: the integrator's deploy is the newer decision, and the history says so).
 */
export class QueryEditor implements PanelState {
  readonly form: PanelForm;
  private saved: Saved;
  private changed = false;
  readonly options: Record<string, unknown>;

  constructor(private readonly o: QueryEditorOptions) {
    this.options = { label: 'query', editors: o.editors, requests: ['preview', 'apply'] };
    this.form = { requests: ['preview', 'apply'], roles: o.editors, answer: (request, body, user) => this.answer(request, body, user) };
    this.saved = this.load();
    if (this.saved.query !== undefined) {
      try {
        o.use(o.build(this.saved.query));
      } catch (err) {
        o.warn(`the query applied from the console cannot be used (${(err as Error).message}): the flow's query is used`);
        this.saved = { ...this.saved, query: undefined };
      }
    }
  }

  /** The query in force. */
  get query(): string {
    return this.saved.query ?? this.o.flowQuery;
  }

  private load(): Saved {
    const fresh: Saved = { version: 1, flowQuery: this.o.flowQuery, history: [] };
    let raw: Partial<Saved>;
    try {
      raw = JSON.parse(fs.readFileSync(this.o.store.file, 'utf8')) as Partial<Saved>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.o.warn(`the console's query file ${this.o.store.file} cannot be read (${(err as Error).message}): the flow's query is used`);
      return fresh;
    }
    const history = Array.isArray(raw.history) ? raw.history.slice(-MAX_HISTORY) : [];
    if (typeof raw.query !== 'string' || typeof raw.flowQuery !== 'string') return { ...fresh, history };
    if (raw.flowQuery !== this.o.flowQuery) {
      this.o.warn(`the flow's query changed since "${raw.query}" was applied from the console: the flow's query "${this.o.flowQuery}" is used`);
      // Forgotten for good, so that the flow's old query deployed again does not bring it back.
      const superseded = { ...fresh, history };
      this.o.store.save(superseded).catch((err: Error) => this.o.warn(`the console's query file cannot be written: ${err.message}`));
      return superseded;
    }
    return { version: 1, flowQuery: raw.flowQuery, query: raw.query, history };
  }

  private async answer(request: string, body: unknown, user: SessionUser): Promise<unknown> {
    const b = (body ?? {}) as { query?: unknown; reason?: unknown };
    if (typeof b.query !== 'string' || !b.query.trim() || b.query.length > MAX_QUERY) throw new PanelRequestError(`query must be text of 1 to ${MAX_QUERY} characters`);
    const project = this.compile(b.query);
    const now = this.o.now?.() ?? Date.now();
    if (request === 'preview') return previewQuery(b.query, project, this.o.build(this.query), this.o.recent.within(now), now);
    if (typeof b.reason !== 'string' || !b.reason.trim() || b.reason.length > MAX_REASON) throw new PanelRequestError(`reason must say why, in 1 to ${MAX_REASON} characters`);
    if (b.query === this.query) throw new PanelRequestError('this query is already in force', 409);
    const change: QueryChange = { at: new Date(now).toISOString(), by: user.username, role: user.role, from: this.query, to: b.query, reason: b.reason.trim() };
    const next: Saved = { version: 1, flowQuery: this.o.flowQuery, query: b.query, history: [...this.saved.history, change].slice(-MAX_HISTORY) };
    // Kept before it is used: a query in force that a restart would forget is no applied query.
    await this.o.store.save(next);
    this.saved = next;
    this.o.use(project);
    this.o.audit({ ...change, project: this.o.project });
    this.changed = true;
    this.o.touch();
    return { query: this.query, change };
  }

  private compile(query: string): Project {
    try {
      return this.o.build(query);
    } catch (err) {
      if (err instanceof QuerySyntaxError) throw new PanelRequestError(err.message, 400, { offset: err.offset, column: err.offset + 1 });
      throw new PanelRequestError((err as Error).message);
    }
  }

  snapshot(): unknown {
    return { query: this.query, flowQuery: this.o.flowQuery, history: this.saved.history.slice(-10).reverse() };
  }

  takeUpdate(): unknown {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.snapshot();
  }
}

