import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collect, load, node, socialNodes, useRuntime, waitFor } from '../support/nodered';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

type Msg = { payload: Array<{ id: string; text: string; lang: string; ts: number; geo?: { lat: number; lon: number } }>; error?: { message: string } };

describe('social sources: replay', function () {
  const dir = useRuntime();

  function flow(extra: Record<string, unknown>) {
    return [
      { id: 'f', type: 'tab' },
      { id: 'rp', z: 'f', type: 'impetus-social-replay', speed: 0, ...extra, wires: [['out']] },
      { id: 'out', z: 'f', type: 'helper' },
      { id: 'c', z: 'f', type: 'catch', scope: ['rp'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f', type: 'helper' },
    ];
  }

  it('plays JSON lines, detects missing languages, skips and names the lines that are not posts', async () => {
    const lines = [
      JSON.stringify({ id: 1, text: 'Corteo in piazza domani mattina con tutti', ts: '2026-03-07T20:00:00Z' }),
      '{not json',
      JSON.stringify({ id: 2, text: 'Traffic is terrible at the station tonight', lang: 'en', ts: 1772913600000 }),
      '',
      JSON.stringify({ text: 'no id' }),
      JSON.stringify({ id: 3, text: 'Bussen er forsinket igjen ved stasjonen i dag', lang: 'nb-NO', ts: 1772913700000 }),
    ];
    fs.writeFileSync(path.join(dir(), 'posts.jsonl'), lines.join('\n'));
    await load([...socialNodes, catchNode], flow({ file: 'posts.jsonl' }));
    const out = collect<Msg>('out');
    const caught = collect<Msg>('caught');
    node('rp').receive({});
    await waitFor(() => caught.length === 1, 'the end of the replay');
    const posts = out.flatMap((m) => m.payload);
    assert.deepEqual(posts.map((p) => p.id), ['1', '2', '3']);
    assert.deepEqual(posts.map((p) => p.lang), ['it', 'en', 'no']);
    assert.match(caught[0].error!.message, /2 lines were not posts \(3 posts sent\): line 2: not JSON.*; line 5: post.id/);
  });

  it('plays CSV with a header, geotags from lat/lon, and paces posts by their times at the speed factor', async () => {
    const csv = 'id,text,lang,ts,lat,lon\n1,"Scontri in piazza, polizia",it,1772913600000,45.4,11.87\n2,Seconda,it,1772913601000,,\n3,Terza,it,1772913602000,,\n';
    fs.writeFileSync(path.join(dir(), 'posts.csv'), csv);
    await load([...socialNodes, catchNode], flow({ file: 'posts.csv', speed: 20 }));
    const out = collect<Msg>('out');
    node('rp').receive({});
    await waitFor(() => out.flatMap((m) => m.payload).length === 3, 'three posts');
    assert.equal(out.length, 3, 'posts a second apart come in separate messages');
    assert.deepEqual(out[0].payload[0].geo, { lat: 45.4, lon: 11.87 });
    assert.equal(out[0].payload[0].text, 'Scontri in piazza, polizia');
  });

  it('stops on "stop" and refuses a missing file with a clear error', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, text: `post ${i}`, lang: 'en', ts: 1772913600000 + i * 60_000 }));
    fs.writeFileSync(path.join(dir(), 'slow.jsonl'), lines.join('\n'));
    await load([...socialNodes, catchNode], flow({ file: 'slow.jsonl', speed: 60 }));
    const out = collect<Msg>('out');
    const caught = collect<Msg>('caught');
    node('rp').receive({});
    await waitFor(() => out.length >= 1, 'the first post');
    node('rp').receive({ payload: 'stop' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(out.flatMap((m) => m.payload).length < 50, 'stopped before the end');
    node('rp').receive({ file: 'nowhere.jsonl' });
    await waitFor(() => caught.length === 1, 'the error');
    assert.match(caught[0].error!.message, /ENOENT/);
  });

  it('closes at once while a playback is paused between posts', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: i, text: `post ${i}`, lang: 'en', ts: 1772913600000 + i * 3_600_000 }));
    fs.writeFileSync(path.join(dir(), 'hours.jsonl'), lines.join('\n'));
    await load([...socialNodes, catchNode], flow({ file: 'hours.jsonl', speed: 1 }));
    const out = collect<Msg>('out');
    node('rp').receive({});
    await waitFor(() => out.length >= 1, 'the first post');
    // An hour to the next post: the close must not wait for it (Node-RED gives up after 15 s).
    const closed = new Promise<void>((resolve) => (node('rp') as unknown as { close(removed: boolean): Promise<void> }).close(false).then(() => resolve()));
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 5000));
    assert.notEqual(await Promise.race([closed, timeout]), 'timeout', 'closed before the next post');
  });
});
