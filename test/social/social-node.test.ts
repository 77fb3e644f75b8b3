import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Alert } from '../../nodes/platform';
import { PACKAGE_ROOT } from '../../nodes/platform/node-kit';
import { Rng } from '../../bench/random';
import { expected, TINY, tinySocialModel } from '../support/tiny-social-model';
import { alertNodes, collect, helper, load, nextError, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Record<string, unknown>; topic?: string; [k: string]: unknown };

const PROJECT = {
  id: 'proj',
  type: 'impetus-social-project',
  name: 'oslo-s',
  query: 'stasjon* OR station OR "oslo s"',
  languages: 'en, no',
  zones: JSON.stringify([{ name: 'oslo-s', places: ['Oslo S', 'Jernbanetorget'] }]),
  threatSeverity: 'medium',
  windowMinutes: 60,
  timeZone: 'Europe/Oslo',
};

function flow(project: Record<string, unknown> = {}) {
  return [
    { id: 'f', type: 'tab', label: 'social' },
    { ...PROJECT, ...project },
    { id: 'an', z: 'f', type: 'impetus-social-analyse', project: 'proj', wires: [['posts'], ['alert']] },
    { id: 'posts', z: 'f', type: 'helper' },
    { id: 'alert', z: 'f', type: 'impetus-alert', wires: [['stored']] },
    { id: 'stored', z: 'f', type: 'helper' },
    { id: 'catcher', z: 'f', type: 'catch', scope: ['an'], uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'f', type: 'helper' },
  ];
}

const threat = { id: 't1', text: 'Vi skal sprenge Oslo S i kveld, ta med våpen. Nå er det nok!', lang: 'nb', author: 'kari.nordmann', ts: '2026-03-02T18:00:00Z', url: 'https://social.example/@k/1', source: 'test' };

describe('impetus-social-analyse', function () {
  const dir = useRuntime();

  it('analyses posts and turns a threat into a stored social alert with a pseudonymised author and its explanation', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow());
    const posts = collect<Msg>('posts');
    const stored = collect<Msg>('stored');
    node('an').receive({ payload: [threat, { id: 'x', text: 'nothing to see', lang: 'en', author: 'a' }, { id: 'c', text: 'Lovely concert by the station', lang: 'en', author: 'b' }] });
    await waitFor(() => stored.length === 1 && posts.length === 2, 'the alert and two analysed posts');
    const alert = stored[0].payload as unknown as Alert;
    assert.equal(alert.tool, 'social');
    assert.equal(alert.zone, 'oslo-s');
    const data = alert.data as { kind: string; topPosts: Array<{ author: string; text: string; explanation: { threat: string[] } }> };
    assert.equal(data.kind, 'threat');
    assert.match(data.topPosts[0].author, /^anon-[0-9a-f]{12}$/);
    assert.ok(!JSON.stringify(alert).includes('kari.nordmann'), 'the author is not stored');
    assert.ok(data.topPosts[0].explanation.threat.some((c) => /violence: spreng/.test(c)));
    const analysed = posts[0].payload as { post: { lang: string }; threat: { severity: string } };
    assert.equal(analysed.post.lang, 'no');
    assert.ok(['medium', 'high', 'critical'].includes(analysed.threat.severity));
  });

  it('keeps authors when the project says so', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow({ keepAuthors: true }));
    const stored = collect<Msg>('stored');
    node('an').receive({ payload: threat });
    await waitFor(() => stored.length === 1, 'the alert');
    assert.equal((stored[0].payload.data as { topPosts: Array<{ author: string }> }).topPosts[0].author, 'kari.nordmann');
  });

  it('analyses the good posts of a batch and fails the message for the bad ones, naming them', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow());
    const posts = collect<Msg>('posts');
    const caught = collect<Msg>('caught');
    node('an').receive({ payload: [{ id: 1, text: 'station <b>HTML</b> \ud800 ok', lang: 'en' }, { text: 'no id' }, 'not a post', { id: 2, text: 'x'.repeat(1_048_577) }, { id: 3, text: 'station', ts: 'yesterday' }] });
    await waitFor(() => caught.length === 1, 'the Catch');
    const err = (caught[0].error as { message: string }).message;
    assert.match(err, /4 of 5 posts rejected/);
    assert.match(err, /\[1\]: post.id/);
    assert.match(err, /\[2\]: a post must be an object/);
    assert.equal(posts.length, 1);
    assert.match((posts[0].payload as { post: { text: string } }).post.text, /\ufffd/, 'a lone surrogate is replaced');
  });

  describe('with the learned classifier', () => {
    // The rules find no irony cue here (no #not, no emoji, no quotes); the tests' tiny model does
    // ("oh wonderful"), so these tests do not depend on the shipped model's weights.
    const ironic = { id: 'i1', text: 'Oh wonderful, the station is closed again', lang: 'en', author: 'b', ts: '2026-03-02T18:00:00Z', url: 'https://social.example/@b/1', source: 'test' };
    const analyseWith = (options: Record<string, unknown>) => {
      if (options.classifier && !options.classifierModel) fs.writeFileSync(path.join(dir(), 'tiny.onnx'), tinySocialModel(TINY));
      return flow().map((n) => (n.id === 'an' ? { classifierModel: 'tiny.onnx', ...n, ...options } : n));
    };
    type Analysed = { irony: { ironic: boolean; score: number }; threat: { score: number }; explanation: { irony: string[]; classifier?: string[] } };

    it('off (the default): the rules alone, and no classifier in the explanation', async () => {
      await load([...alertNodes, ...socialNodes, catchNode], flow());
      const posts = collect<Msg>('posts');
      node('an').receive({ payload: ironic });
      await waitFor(() => posts.length === 1, 'the analysed post');
      const a = posts[0].payload as unknown as Analysed;
      assert.equal(a.irony.ironic, false, 'the rules miss this one');
      assert.ok(!('classifier' in a.explanation));
    });

    it('on: flags an ironic post the rules miss, and the explanation names the classifier and its probabilities', async () => {
      await load([...alertNodes, ...socialNodes, catchNode], analyseWith({ classifier: true }));
      const posts = collect<Msg>('posts');
      node('an').receive({ payload: [ironic, threat] });
      await waitFor(() => posts.length === 2, 'the analysed posts');
      const [a, t] = posts.map((m) => m.payload as unknown as Analysed);
      assert.equal(a.irony.ironic, true);
      const p = (label: string, post: { text: string }) => Math.round(expected(TINY, label, post.text, 'en') * 1000) / 1000;
      assert.deepEqual(a.explanation.classifier, [`irony ${p('irony', ironic)} (made the post ironic)`, `threat ${p('threat', ironic)} (not used for the score)`]);
      // Threat stays the rules' unless configured, however sure the model is.
      assert.ok(expected(TINY, 'threat', threat.text, 'no') >= 0.5);
      assert.deepEqual(t.explanation.classifier![1], `threat ${Math.round(expected(TINY, 'threat', threat.text, 'no') * 1000) / 1000} (not used for the score)`);
    });

    it('on with Threat score: the threat probability raises a lower rule-based threat score', async () => {
      await load([...alertNodes, ...socialNodes, catchNode], analyseWith({ classifier: true, classifierThreat: true }));
      const posts = collect<Msg>('posts');
      const bomb = { ...ironic, id: 'b1', text: 'Kaboom at the station tonight' };
      node('an').receive({ payload: bomb });
      await waitFor(() => posts.length === 1, 'the analysed post');
      const a = posts[0].payload as unknown as Analysed;
      const said = /^threat (0\.\d+) \(raised the threat score\)$/.exec(a.explanation.classifier![1]);
      assert.ok(said, a.explanation.classifier!.join('; '));
      assert.equal(a.threat.score, Number(said[1]));
    });

    for (const [name, prepare, why] of [
      ['missing', () => undefined, /ENOENT|no such file/i],
      ['made for another tokenizer', (file: string) => {
        fs.writeFileSync(file, tinySocialModel({ ...TINY, tokenizer: 'impetus-social-hash-v0' }));
      }, /made for tokenizer impetus-social-hash-v0/],
    ] as const) {
      it(`a model file ${name}: red status and a clear error per message, the posts still analysed by the rules`, async () => {
        prepare(path.join(dir(), 'model.onnx'));
        await load([...alertNodes, ...socialNodes, catchNode], analyseWith({ classifier: true, classifierModel: 'model.onnx' }));
        const posts = collect<Msg>('posts');
        const caught = collect<Msg>('caught');
        node('an').receive({ payload: ironic });
        node('an').receive({ payload: threat });
        await waitFor(() => caught.length === 2 && posts.length === 2, 'both messages failed, both posts analysed');
        const err = (caught[0].error as { message: string }).message;
        assert.match(err, /the text classifier cannot be used \(posts analysed by the rules only\)/);
        assert.match(err, why);
        assert.ok(!('classifier' in (posts[0].payload as unknown as Analysed).explanation));
      });
    }
  });

  it('feeds the console: posts and sentiment per closed window for charts, notable posts with their explanation for a table', async () => {
    const wired = flow({ windowMinutes: 15 }).map((n) => (n.id === 'an' ? { ...n, wires: [['posts'], ['alert'], ['volume'], ['sentiment'], ['notable']] } : n));
    await load([...alertNodes, ...socialNodes, catchNode], [...wired, ...['volume', 'sentiment', 'notable'].map((id) => ({ id, z: 'f', type: 'helper' }))]);
    const volume = collect<Msg>('volume');
    const sentiment = collect<Msg>('sentiment');
    const notable = collect<Msg>('notable');
    const now = Date.now();
    const start = Math.floor(now / 900_000) * 900_000 - 2 * 900_000;
    const post = (id: string, text: string, ts: number) => ({ id, text, lang: 'en', author: 'kari.nordmann', ts, url: `https://social.example/${id}`, source: 'test' });
    // Two posts in one window, none in the next, one in the third: the first two windows close.
    node('an').receive({ payload: [post('a', 'Lovely concert by the station', start + 1000), post('b', 'Great, stuck at the station again. Just perfect 🙄 #not', start + 2000)] });
    node('an').receive({ payload: { ...threat, ts: start + 2 * 900_000 + 1000 } });
    await waitFor(() => volume.length === 2 && notable.length === 2, 'two closed windows and two changes of the notable posts');
    assert.deepEqual(volume.map((m) => (m.payload as unknown as Array<{ series: string; x: number; y: number }>).map((p) => [p.series, p.x, p.y])), [
      [['posts (oslo-s)', start, 2]],
      [['posts (oslo-s)', start + 900_000, 0]],
    ]);
    assert.equal(volume[0].topic, 'oslo-s');
    assert.equal(sentiment.length, 1, 'only the window with scored posts has a sentiment');
    assert.equal((sentiment[0].payload as unknown as Array<{ series: string }>)[0].series, 'sentiment (oslo-s)');
    const rows = notable[1].payload as unknown as Array<{ id: string; author: string; kind: string; why: string }>;
    assert.deepEqual(rows.map((r) => r.id), ['oslo-s/b', 'oslo-s/t1'], 'the threat last, so the table shows it first');
    assert.ok(rows.every((r) => /^anon-[0-9a-f]{12}$/.test(r.author)), 'authors pseudonymised');
    assert.match(rows[1].why, /threat \d\.\d\d: violence: spreng/);
    assert.match(rows[0].why, /irony/);
  });

  it('keeps the volume and sentiment learning across a restart: a burst right after it is an alert, without eleven days of warm-up again', async () => {
    const W = 900_000;
    const start = Math.floor(Date.now() / W) * W - 1060 * W;
    const rng = new Rng(15);
    const posts = (from: number, to: number) => {
      const out: object[] = [];
      for (let w = from; w < to; w++) {
        const n = 4 + rng.int(4);
        for (let k = 0; k < n; k++) out.push({ id: `p${w}-${k}`, text: 'Nice concert by the station', lang: 'en', author: 'a', ts: start + w * W + k * 1000, url: '', source: 'test' });
      }
      return out;
    };
    const burst = (w: number) => [...Array.from({ length: 60 }, (_, k) => ({ id: `b${k}`, text: 'Horrible chaos at the station, terrible, awful', lang: 'en', author: 'a', ts: start + w * W + k * 1000, url: '', source: 'test' })),
      { id: 'after', text: 'Nice concert by the station', lang: 'en', author: 'a', ts: start + (w + 1) * W, url: '', source: 'test' }];
    const feed = async (items: object[]) => {
      for (let i = 0; i < items.length; i += 2000) node('an').receive({ payload: items.slice(i, i + 2000) });
    };
    const volumeAlerts = (stored: Msg[]) => stored.filter((m) => (m.payload.data as { kind: string }).kind === 'volume');
    const settle = async (seen: Msg[], count: number) => waitFor(() => seen.length >= count, 'the posts analysed', 20_000);

    await load([...alertNodes, ...socialNodes, catchNode], flow({ windowMinutes: 15 }));
    let seen = collect<Msg>('posts');
    const history = posts(0, 1056);
    await feed(history);
    await settle(seen, history.length);
    await helper.unload();
    const state = path.join(dir(), 'impetus-state', 'social-an.json');
    assert.ok(fs.existsSync(state), 'saved when the flow stopped');
    // The last day's top terms are kept (words with counts); the posts are not.
    const saved = fs.readFileSync(state, 'utf8');
    assert.ok(!saved.includes('by the station') && !/"p\d+-\d+"/.test(saved), 'no post text, no post id in the saved state');
    assert.ok(saved.includes('"concert"'), 'the top terms are');

    await load([...alertNodes, ...socialNodes, catchNode], flow({ windowMinutes: 15 }));
    seen = collect<Msg>('posts');
    let stored = collect<Msg>('stored');
    await feed(burst(1056));
    await waitFor(() => volumeAlerts(stored).length === 1, 'the volume alert after the restart', 20_000);
    assert.match(String(volumeAlerts(stored)[0].payload.headline), /^oslo-s: 60 posts in 15 min, \d+\.\d× the usual/);
    await helper.unload();

    // The same burst on a node that lost its learning: it warms up again and stays silent.
    fs.rmSync(state);
    await load([...alertNodes, ...socialNodes, catchNode], flow({ windowMinutes: 15 }));
    seen = collect<Msg>('posts');
    stored = collect<Msg>('stored');
    await feed(burst(1056));
    await settle(seen, 61);
    assert.deepEqual(volumeAlerts(stored), [], 'without the saved learning the burst passes unseen');
  });

  it('refuses every message when the project query is malformed, pointing at the column', async () => {
    await load([...alertNodes, ...socialNodes, catchNode], flow({ query: 'stasjon AND (oslo' }));
    const error = nextError(node('an'));
    node('an').receive({ payload: threat });
    assert.match(await error, /missing \) at column 18/);
  });

  it('the example flow runs as shipped: its inject yields analysed posts and threat alerts', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'impetus-social.json'), 'utf8')) as Array<Record<string, unknown>>;
    const flowWithProbes = example.map((n) => (n.id === 'ex-so-alert' ? { ...n, wires: [['probe']] } : n));
    await load([...alertNodes, ...socialNodes, require('@node-red/nodes/core/common/20-inject.js'), require('@node-red/nodes/core/common/21-debug.js')], [...flowWithProbes, { id: 'probe', z: 'ex-social-tab', type: 'helper' }]);
    const stored = collect<Msg>('probe');
    (helper.getNode('ex-so-inject') as unknown as { receive: (m: object) => void }).receive({});
    await waitFor(() => stored.length >= 2, 'the threat alerts of the example');
    assert.ok(stored.every((m) => (m.payload as unknown as Alert).tool === 'social'));
  });

  it('the classifier example runs as shipped: the same posts through the rules alone and with the shipped classifier, side by side', async () => {
    const example = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', 'impetus-social-classifier.json'), 'utf8')) as Array<Record<string, unknown>>;
    // Its debug nodes become probes.
    const flowWithProbes = example.map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper' } : n));
    await load([...alertNodes, ...socialNodes, require('@node-red/nodes/core/common/20-inject.js')], flowWithProbes);
    const rules = collect<Msg>('ex-socl-rules-out');
    const learned = collect<Msg>('ex-socl-learned-out');
    const stored = collect<Msg>('ex-socl-stored');
    (helper.getNode('ex-socl-inject') as unknown as { receive: (m: object) => void }).receive({});
    await waitFor(() => rules.length === 5 && learned.length === 5 && stored.length >= 1, 'five posts from each analyse node and the threat alert').catch((err: Error) => {
      throw new Error(`${err.message}: ${rules.length}, ${learned.length}, ${stored.length}`);
    });
    type Analysed = { post: { id: string }; irony: { ironic: boolean }; offence?: { score: number }; explanation: { classifier?: string[] } };
    const byId = (list: Msg[]) => new Map(list.map((m) => [(m.payload as unknown as Analysed).post.id, m.payload as unknown as Analysed]));
    const [r, l] = [byId(rules), byId(learned)];
    for (const [id, a] of l) {
      assert.ok(!('classifier' in r.get(id)!.explanation), `${id}: the rules-only node does not run the classifier`);
      // The shipped model's three labels: irony, threat and offence.
      assert.match(a.explanation.classifier!.join('; '), /^irony [01](\.\d+)?( \(made the post ironic\))?; threat [01](\.\d+)? \(not used for the score\); offence [01](\.\d+)?( \(offensive; not used for the threat score or alerts\))?$/);
      assert.equal(typeof a.offence?.score, 'number', id);
      assert.ok(!('offence' in r.get(id)!), `${id}: no offence score without the classifier`);
      // The classifier only adds irony to the rules' verdict, whatever its weights.
      if (r.get(id)!.irony.ironic) assert.ok(a.irony.ironic, id);
    }
    assert.ok(stored.every((m) => (m.payload as unknown as Alert).tool === 'social'));
  });
});
