import assert from 'node:assert/strict';
import { compileQuery, describe as show, parseQuery, PostWords, QuerySyntaxError } from '../../nodes/social/query';
import { Project, ProjectError } from '../../nodes/social/project';
import { insidePolygon as inRing } from '../../nodes/vision/geometry';
import { resolveProject } from '../../nodes/social/settings';
import { fold, words } from '../../nodes/social/text';
import { Rng } from '../../bench/random';

const matches = (q: string, text: string) => compileQuery(q).test(PostWords.of(text));

function syntaxError(q: string, offset: number, pattern: RegExp) {
  assert.throws(
    () => parseQuery(q),
    (err: unknown) => {
      assert.ok(err instanceof QuerySyntaxError, `${q}: ${String(err)}`);
      assert.equal(err.offset, offset, `${q}: ${err.message}`);
      assert.match(err.message, pattern);
      assert.match(err.message, new RegExp(`column ${offset + 1}`));
      return true;
    },
  );
}

describe('social text folding', () => {
  it('folds case and accents, including letters Unicode does not decompose', () => {
    assert.equal(fold('Città ÅPEN Bjørvika Ærlig Straße'), 'citta apen bjorvika aerlig strasse');
    assert.deepEqual(words("#Ironia, l'AEROPORTO è… 3rd!"), ['ironia', 'l', 'aeroporto', 'e', '3rd']);
  });
});

describe('social query language', () => {
  it('binds NEAR tighter than NOT, NOT tighter than AND, AND tighter than OR', () => {
    assert.equal(show(parseQuery('a OR b c')), '(a OR (b AND c))');
    assert.equal(show(parseQuery('a b OR c')), '((a AND b) OR c)');
    assert.equal(show(parseQuery('NOT a NEAR/2 b c')), '(NOT (a NEAR/2 b) AND c)');
    assert.equal(show(parseQuery('(a OR b) AND NOT "c d"')), '((a OR b) AND NOT "c d")');
    assert.equal(show(parseQuery('bomb* NEAR/3 "piazza duomo"')), '(bomb* NEAR/3 "piazza duomo")');
  });

  it('matches words, phrases, prefixes and NOT with case and accents folded', () => {
    assert.ok(matches('citta AND sicurezza', 'La CITTÀ e la sua Sicurezza'));
    assert.ok(!matches('citta AND sicurezza', 'La città'));
    assert.ok(matches('"piazza duomo"', 'Tutti in Piazza Duomo stasera'));
    assert.ok(!matches('"piazza duomo"', 'Duomo, piazza'));
    assert.ok(matches('bomb*', 'A BOMBING downtown'));
    assert.ok(!matches('bomb*', 'abomb'));
    assert.ok(matches('oslo NOT fotball', 'Oslo i kveld'));
    assert.ok(!matches('oslo NOT fotball', 'Oslo fotball i kveld'));
    assert.ok(matches('Bjørvika', 'bjorvika'), 'the query is folded as the post is');
    assert.ok(matches('"l\'aeroporto"', "verso l'aeroporto"));
    assert.ok(matches('aeroporto', "verso l'aeroporto"), 'Italian elision splits words');
    assert.ok(matches('a or b', 'a or b') && !matches('a or b', 'a b'), 'lower-case operators are words');
  });

  it('NEAR/n allows at most n words between its operands, in either order, never overlapping', () => {
    assert.ok(matches('attack NEAR/2 station', 'attack the central station'));
    assert.ok(!matches('attack NEAR/1 station', 'attack the central station'));
    assert.ok(matches('attack NEAR/0 station', 'station attack'));
    assert.ok(matches('"central station" NEAR/1 attack', 'attack the central station'));
    assert.ok(!matches('bomb* NEAR/3 bomb', 'bomb'), 'one word is not near itself');
    assert.ok(matches('bomb* NEAR/3 bomb', 'bombs and bomb'));
    assert.ok(matches('a NEAR/1 b NEAR/1 c', 'c x a b'), 'chained NEAR measures from the joined span');
  });

  it('reports the positive terms a post holds, for relevance and explanations', () => {
    const q = compileQuery('(riot OR protest*) AND oslo NOT "football match"');
    assert.equal(q.terms, 3);
    assert.deepEqual(q.hits(PostWords.of('Protesters in Oslo, not a riot')), ['riot', 'protest*', 'oslo']);
  });

  it('points at the column of a malformed query', () => {
    syntaxError('a AND', 5, /after AND/);
    syntaxError('a OR OR b', 5, /after OR/);
    syntaxError('(a OR b', 7, /missing \)/);
    syntaxError('a OR b)', 6, /unexpected \)/);
    syntaxError('"open phrase', 0, /unclosed quote/);
    syntaxError('a NEAR b', 2, /distance/);
    syntaxError('(a b) NEAR/2 c', 6, /not a group/);
    syntaxError('a NEAR/2 (b)', 9, /after NEAR/);
    syntaxError('bo*mb', 2, /only end a word/);
    syntaxError('*', 0, /letter before/);
    syntaxError('NOT a', 0, /NOT needs something/);
    syntaxError('x OR NOT a', 5, /NOT needs something/);
    syntaxError('()', 1, /empty parentheses/);
    syntaxError('   ', 0, /empty query/);
    syntaxError('a NEAR/101 b', 2, /above 100/);
    syntaxError('a ""', 2, /empty phrase/);
    syntaxError('a !!!', 2, /no letter/);
    assert.throws(() => parseQuery(`${'a '.repeat(100)}OR`), (err: Error) => err.message.length < 200, 'a long query is quoted around the column only');
  });

  it('refuses nesting deeper than the parser may recurse, with an error not a stack overflow', () => {
    const deep = `${'('.repeat(3000)}a${')'.repeat(3000)}`;
    assert.throws(() => parseQuery(deep), /nesting deeper/);
    assert.throws(() => parseQuery(`${'NOT '.repeat(2000)}a b`), /nesting deeper/);
  });

  it('fuzz: random queries compile or fail with a positioned QuerySyntaxError, and the printed canonical form runs the same', () => {
    const rng = new Rng(1501);
    const vocabulary = ['a', 'b', 'c', 'città', 'ÅPEN', 'bo*', '"a b"', 'AND', 'OR', 'NOT', 'NEAR/1', 'NEAR/x', '(', ')', '"', '*', '-', 'é'];
    const texts = ['a b c', 'c b a', 'citta apen', 'bo a', 'b', '', 'a x x b', 'boa c'];
    let compiled = 0;
    for (let i = 0; i < 5000; i++) {
      const q = Array.from({ length: 1 + rng.int(8) }, () => vocabulary[rng.int(vocabulary.length)]).join(rng.next() < 0.2 ? '' : ' ');
      let cq;
      try {
        cq = compileQuery(q);
      } catch (err) {
        assert.ok(err instanceof QuerySyntaxError, `${JSON.stringify(q)} threw ${String(err)}`);
        assert.ok(err.offset >= 0 && err.offset <= q.length, `${JSON.stringify(q)}: offset ${err.offset}`);
        continue;
      }
      compiled++;
      // The canonical form parses back to the same query: the printed precedence is what runs.
      const again = compileQuery(show(cq.tree));
      for (const t of texts) assert.equal(again.test(PostWords.of(t)), cq.test(PostWords.of(t)), `${q} vs ${show(cq.tree)} on ${t}`);
    }
    assert.ok(compiled > 500, `the fuzz reached the matcher (${compiled} compiled)`);
  });
});

describe('social project', () => {
  const padova: Array<[number, number]> = [
    [11.86, 45.39],
    [11.9, 45.39],
    [11.9, 45.42],
    [11.86, 45.42],
  ];

  it('filters by language, exclusion and relevance, and finds zones by geotag or place name', () => {
    const p = new Project({
      query: 'protest* OR corteo OR scontri',
      languages: ['it', 'en'],
      exclude: ['calcio', 'video game'],
      minRelevance: 0.5,
      zones: [{ name: 'centro', polygon: padova, places: ['Piazza dei Signori', 'Prato della Valle'] }],
    });
    assert.equal(p.judge({ text: 'corteo', lang: 'no' }).reason, 'language');
    assert.equal(p.judge({ text: 'nulla', lang: 'it' }).reason, 'query');
    assert.equal(p.judge({ text: 'scontri dopo il calcio', lang: 'it' }).reason, 'excluded');
    const v = p.judge({ text: 'Corteo e scontri in PRATO DELLA VALLE', lang: 'it' });
    assert.ok(v.matched);
    assert.deepEqual(v.zones, ['centro']);
    assert.deepEqual(v.places, ['prato della valle']);
    assert.ok(Math.abs(v.relevance - 2 / 3) < 1e-9);
    assert.equal(p.judge({ text: 'corteo', lang: 'it' }).reason, 'relevance');
    const strict = new Project({ query: 'corteo', zones: [{ name: 'centro', polygon: padova }], outsideZones: false });
    assert.deepEqual(strict.judge({ text: 'corteo', lang: 'it', geo: { lat: 45.4, lon: 11.88 } }).zones, ['centro']);
    assert.equal(strict.judge({ text: 'corteo', lang: 'it', geo: { lat: 45.5, lon: 11.88 } }).reason, 'zone');
    assert.equal(strict.judge({ text: 'corteo', lang: 'it' }).reason, 'zone');
  });

  it('tests points in polygons, concave ones included', () => {
    const u: Array<[number, number]> = [[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3]];
    assert.ok(inRing(0.5, 2, u));
    assert.ok(!inRing(1.5, 2, u), 'the notch of the U is outside');
    assert.ok(inRing(2.5, 2.5, u));
    assert.ok(!inRing(4, 1, u));
  });

  it('refuses a bad project with a clear error', () => {
    assert.throws(() => new Project({ query: 'a', languages: ['english'] }), ProjectError);
    assert.throws(() => new Project({ query: 'a', minRelevance: 2 }), /between 0 and 1/);
    assert.throws(() => new Project({ query: 'a', zones: [{ name: 'z', polygon: [[0, 0], [1, 1]] }] }), /at least 3/);
    assert.throws(() => new Project({ query: 'a', zones: [{ name: 'z', polygon: [[0, 0], [1, 1], [500, 1]] }] }), /polygon\[2\]/);
    assert.throws(() => new Project({ query: 'a', zones: [{ name: 'z' }] }), /polygon or places/);
    assert.throws(() => new Project({ query: 'a', exclude: ['!!'] }), /exclude\[0\]/);
    assert.throws(() => new Project({ query: 'a AND' }), QuerySyntaxError);
  });
});

describe('social project settings', () => {
  it('reads the editor strings, refusing what the monitor could not use', () => {
    const r = resolveProject({ name: 'p', query: 'a OR b', languages: 'EN, it', exclude: 'x\ny z', windowMinutes: '30', minRelevance: '0.5' }, 'secret');
    assert.deepEqual([...r.project.languages], ['en', 'it']);
    assert.equal(r.monitor.windowMinutes, 30);
    assert.equal(r.pseudonymSecret, 'secret');
    assert.equal(resolveProject({ query: 'a', keepAuthors: true }, 'secret').pseudonymSecret, undefined);
    assert.match(resolveProject({ query: 'a' }, undefined).pseudonymSecret!, /^[0-9a-f]{64}$/);
    assert.throws(() => resolveProject({ query: 'a', windowMinutes: 45 }, undefined), /15, 20, 30 or 60/);
    assert.throws(() => resolveProject({ query: 'a', zones: '{' }, undefined), /zones is not JSON/);
    assert.throws(() => resolveProject({ query: 'a', threatSeverity: 'extreme' }, undefined), /threatSeverity/);
    assert.throws(() => resolveProject({ query: ' ' }, undefined), /needs a query/);
  });
});
