/**
 * Match and analyse one post against a project: relevance, zones, sentiment, irony and threat,
 * each with its explanation. Plain functions, tested without Node-RED.
 */
import { createHmac } from 'node:crypto';
import { ironyCues, threatCues } from './cues';
import type { CueScore } from './cues';
import { scorerFor } from './languages';
import type { Post, Project } from './project';
import { PostWords } from './query';
import type { SentimentScore, TermEffect } from './sentiment';
import { words } from './text';

/** Longer posts are analysed on their first characters (the scorer is linear, but a 1 MB post says nothing more). */
export const MAX_ANALYSED_CHARS = 20_000;
/** VADER's customary bounds for a positive or negative text. */
const LABEL_BOUND = 0.05;
export const IRONY_BOUND = 0.5;
/** The classifier's offence probability from which a post counts as offensive. */
export const OFFENCE_BOUND = 0.5;

export type SentimentLabel = 'positive' | 'neutral' | 'negative';
export type ThreatSeverity = 'critical' | 'high' | 'medium' | 'low';

export interface Analysis {
  post: Post;
  relevance: number;
  zones: string[];
  sentiment: { compound: number; pos: number; neu: number; neg: number; label: SentimentLabel; /** After irony: an ironic positive post counts as negative. */ adjusted: number } | null;
  irony: { score: number; ironic: boolean };
  threat: { score: number; severity: ThreatSeverity | null };
  /**
   * Abusive or insulting language aimed at a person or group: present only when the node runs the
   * learned classifier and its model has the offence label. Reported, never part of the threat
   * score, the severity or the alerts.
   */
  offence?: { score: number; offensive: boolean };
  explanation: {
    query: string[];
    places: string[];
    sentiment: Array<Pick<TermEffect, 'term' | 'base' | 'valence' | 'rules'>>;
    sentimentRules: string[];
    irony: string[];
    threat: string[];
    notes: string[];
    /** Present only when the node runs the learned classifier: its probabilities and what they changed. */
    classifier?: string[];
  };
}

export function threatSeverity(score: number): ThreatSeverity | null {
  if (score >= 0.9) return 'critical';
  if (score >= 0.7) return 'high';
  if (score >= 0.5) return 'medium';
  if (score >= 0.3) return 'low';
  return null;
}

export function labelOf(compound: number): SentimentLabel {
  return compound >= LABEL_BOUND ? 'positive' : compound <= -LABEL_BOUND ? 'negative' : 'neutral';
}

/** A stable pseudonym: the same author gets the same one under the same secret, and it does not reveal the name. */
export function pseudonym(author: string, secret: string): string {
  const key = `${secret}\u0000${author}`;
  let p = recentPseudonyms.get(key);
  if (p === undefined) {
    p = `anon-${createHmac('sha256', secret).update(author).digest('hex').slice(0, 12)}`;
    // Active authors post again and again: remember the latest few thousand, forget the oldest.
    if (recentPseudonyms.size >= PSEUDONYM_CACHE) recentPseudonyms.delete(recentPseudonyms.keys().next().value!);
    recentPseudonyms.set(key, p);
  }
  return p;
}
const PSEUDONYM_CACHE = 4096;
const recentPseudonyms = new Map<string, string>();

const NO_SENTIMENT: SentimentScore = { compound: 0, pos: 0, neu: 0, neg: 0, terms: [], rules: [] };

export interface AnalyseOptions {
  /** HMAC secret for authors' pseudonyms; undefined keeps names (the project says so). */
  pseudonymSecret?: string;
}

/** Analyses a post the project has matched; null when the project does not want it. */
export function analyse(project: Project, post: Post, options: AnalyseOptions): Analysis | null {
  const notes: string[] = [];
  let text = post.text;
  if (text.length > MAX_ANALYSED_CHARS) {
    text = text.slice(0, MAX_ANALYSED_CHARS);
    notes.push(`analysed the first ${MAX_ANALYSED_CHARS} of ${post.text.length} characters`);
  }
  const postWords = new PostWords(words(text));
  const verdict = project.judge({ text, lang: post.lang, geo: post.geo }, postWords);
  if (!verdict.matched) return null;
  const scores = scorePost(text, post.lang, postWords, verdict.places, notes);
  const out: Post = options.pseudonymSecret === undefined ? post : { ...post, author: pseudonym(post.author, options.pseudonymSecret) };
  return { post: out, relevance: Math.round(verdict.relevance * 1000) / 1000, zones: verdict.zones, ...scores, explanation: { query: verdict.hits, places: verdict.places, ...scores.explanation } };
}

type Scores = Pick<Analysis, 'sentiment' | 'irony' | 'threat'> & { explanation: Omit<Analysis['explanation'], 'query' | 'places'> };

/** Sentiment, irony and threat of a text, explained: the part of the analysis that does not depend on the query. */
export function scorePost(text: string, lang: string, postWords: PostWords, placesNamed: string[], notes: string[] = []): Scores {
  const scorer = scorerFor(lang);
  if (!scorer) notes.push(`no sentiment lexicon for language "${lang}"`);
  const s = scorer ? scorer.score(text) : NO_SENTIMENT;
  const irony: CueScore = scorer ? ironyCues(text, postWords, s, (w) => scorer.valence(w)) : { score: 0, cues: [] };
  const threat = threatCues(postWords, s, placesNamed);
  const ironic = irony.score >= IRONY_BOUND;
  const adjusted = ironic && s.compound > 0 ? -s.compound : s.compound;
  return {
    sentiment: scorer ? { compound: s.compound, pos: s.pos, neu: s.neu, neg: s.neg, label: labelOf(adjusted), adjusted } : null,
    irony: { score: irony.score, ironic },
    threat: { score: threat.score, severity: threatSeverity(threat.score) },
    explanation: {
      sentiment: s.terms.slice(0, 8).map(({ term, base, valence, rules }) => ({ term, base, valence, rules })),
      sentimentRules: s.rules,
      irony: irony.cues,
      threat: threat.cues,
      notes,
    },
  };
}

/** How the learned classifier's probabilities join the rules' verdict. */
export interface ClassifierUse {
  /** Let the threat probability raise the threat score (off: the rules are better on threats, docs/social.md). */
  threat: boolean;
}

/**
 * Joins the classifier's probabilities to a rule-based analysis: an irony probability at the irony
 * bound makes the post ironic (the rules miss irony without cues); the threat probability raises
 * the threat score only when configured; an offence probability (the rules have no offence cues)
 * becomes the analysis's `offence`, reported only: it moves neither the threat score nor the
 * alerts. Either way the explanation says what the classifier said.
 */
export function applyClassifier(a: Analysis, probs: Record<string, number>, use: ClassifierUse): Analysis {
  const said: string[] = [];
  let { irony, threat, sentiment } = a;
  const pIrony = probs.irony;
  if (pIrony !== undefined) {
    if (pIrony >= IRONY_BOUND && !irony.ironic) {
      irony = { score: Math.max(irony.score, pIrony), ironic: true };
      if (sentiment) {
        const adjusted = sentiment.compound > 0 ? -sentiment.compound : sentiment.compound;
        sentiment = { ...sentiment, adjusted, label: labelOf(adjusted) };
      }
      said.push(`irony ${pIrony} (made the post ironic)`);
    } else said.push(`irony ${pIrony}`);
  }
  const pThreat = probs.threat;
  if (pThreat !== undefined) {
    if (use.threat && pThreat > threat.score) {
      threat = { score: pThreat, severity: threatSeverity(pThreat) };
      said.push(`threat ${pThreat} (raised the threat score)`);
    } else said.push(`threat ${pThreat}${use.threat ? '' : ' (not used for the score)'}`);
  }
  const pOffence = probs.offence;
  let offence = a.offence;
  if (pOffence !== undefined) {
    offence = { score: pOffence, offensive: pOffence >= OFFENCE_BOUND };
    said.push(`offence ${pOffence}${offence.offensive ? ' (offensive; not used for the threat score or alerts)' : ''}`);
  }
  return { ...a, irony, threat, sentiment, ...(offence ? { offence } : {}), explanation: { ...a.explanation, classifier: said } };
}
