/**
 * The forwarder's renumbering of one listener's stream (voice-forwarder.ts ListenerNumbering):
 * speakers change, the listener's jitter buffer must see one continuous stream; and its network
 * (which addresses it announces, where its sockets are bound, that they close). The forwarding
 * itself (who is heard, through real WebRTC) is test/browser/voice-forwarder.test.ts.
 */
import assert from 'node:assert/strict';
import * as os from 'node:os';
import type { RtpNumbers } from '../../../nodes/platform/console/voice-forwarder';
import { ListenerNumbering, VoiceForwarder } from '../../../nodes/platform/console/voice-forwarder';
import { Rng } from '../../../bench/random';
import { SAMPLE_OFFER, udpPortsInRange } from '../../support/voice-browser';

/** A speaker's packets: 20 ms Opus frames from a random start, as a browser numbers them. */
function speaker(rng: Rng) {
  let seq = Math.floor(rng.next() * 65536);
  let ts = Math.floor(rng.next() * 2 ** 32);
  return (): RtpNumbers => {
    const packet = { sequenceNumber: seq, timestamp: ts, marker: false };
    seq = (seq + 1) & 0xffff;
    ts = (ts + 960) >>> 0;
    return packet;
  };
}

describe('voice forwarder: one listener\'s numbering', () => {
  it('keeps the first speaker\'s numbers, then continues across speakers: sequence +1, timestamp by the time that passed', () => {
    const rng = new Rng(7);
    const n = new ListenerNumbering();
    const a = speaker(rng);
    const b = speaker(rng);
    const first = a();
    const original = { ...first };
    n.next(first, 'a:1', 0);
    assert.deepEqual([first.sequenceNumber, first.timestamp, first.marker], [original.sequenceNumber, original.timestamp, true]);
    let last = first;
    for (let i = 1; i < 100; i += 1) {
      const p = a();
      n.next(p, 'a:1', i * 20);
      assert.equal(p.sequenceNumber, (last.sequenceNumber + 1) & 0xffff);
      assert.equal(p.timestamp, (last.timestamp + 960) >>> 0);
      assert.equal(p.marker, false);
      last = p;
    }
    // B speaks 3 s after A's last packet (A's at 1980 ms).
    const switched = b();
    n.next(switched, 'b:2', 1980 + 3000);
    assert.equal(switched.sequenceNumber, (last.sequenceNumber + 1) & 0xffff, 'no gap in the sequence: nothing was lost');
    assert.equal(switched.timestamp, (last.timestamp + 3000 * 48) >>> 0, 'the timestamp moved by the silence');
    assert.equal(switched.marker, true, 'a new talk spurt');
    const next = b();
    n.next(next, 'b:2', 1980 + 3020);
    assert.deepEqual([next.sequenceNumber, next.timestamp], [(switched.sequenceNumber + 1) & 0xffff, (switched.timestamp + 960) >>> 0]);
  });

  it('the same speaker again (a new transmission) is a new talk spurt; a loss stays a gap and a late packet keeps its place', () => {
    const n = new ListenerNumbering();
    const a = speaker(new Rng(11));
    const p1 = a();
    n.next(p1, 'a:1', 0);
    const lost = a();
    void lost;
    const p3 = a();
    n.next(p3, 'a:1', 40);
    assert.equal(p3.sequenceNumber, (p1.sequenceNumber + 2) & 0xffff, 'the lost packet is still a gap');
    n.next(lost, 'a:1', 45);
    assert.equal(lost.sequenceNumber, (p1.sequenceNumber + 1) & 0xffff, 'the late packet fills it');
    // Dropped meanwhile (no floor), then A speaks again: one after the last sent.
    for (let i = 0; i < 50; i += 1) a();
    const again = a();
    n.next(again, 'a:2', 2000);
    assert.equal(again.sequenceNumber, (p3.sequenceNumber + 1) & 0xffff);
    assert.equal(again.timestamp, (p3.timestamp + (2000 - 40) * 48) >>> 0);
    assert.equal(again.marker, true);
  });

  it('wraps sequence numbers and timestamps, and moves a spurt at least one frame on', () => {
    const n = new ListenerNumbering();
    const first = { sequenceNumber: 0xffff, timestamp: 0xffffffff - 100, marker: false };
    n.next(first, 'a:1', 0);
    const second = { sequenceNumber: 0, timestamp: (0xffffffff - 100 + 960) >>> 0, marker: false };
    n.next(second, 'a:1', 20);
    assert.deepEqual([second.sequenceNumber, second.timestamp], [0, 859]);
    // A speaker switch in the same millisecond: still one frame later, never the same timestamp.
    const other = { sequenceNumber: 500, timestamp: 7, marker: false };
    n.next(other, 'b:2', 20);
    assert.deepEqual([other.sequenceNumber, other.timestamp], [1, 859 + 960]);
  });
});

describe('voice forwarder: its network', function () {
  this.timeout(30_000);
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const first = 45_000 + Math.floor(Math.random() * 100) * 10;
  const range: [number, number] = [first, first + 9];

  it('without an address, announces each IPv4 address of the machine but loopback, from a socket in the port range; closes it on leave', async function () {
    const addresses = Object.values(os.networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    if (!addresses.length) this.skip();
    const forwarder = new VoiceForwarder({ portRange: range, log });
    let answer = '';
    await forwarder.offer('alert:a', 'p1', { type: 'offer', sdp: SAMPLE_OFFER }, (data) => {
      answer = (data as { description: { sdp: string } }).description.sdp;
    });
    const announced = [...answer.matchAll(/a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ host/g)].map((m) => [m[1], Number(m[2])] as const);
    assert.deepEqual(announced.map(([a]) => a).sort(), [...addresses].sort(), 'every address but loopback');
    for (const [, port] of announced) assert.ok(port >= range[0] && port <= range[1], `port ${port} in ${range}`);
    assert.ok(udpPortsInRange(range).every((a) => a.startsWith('0.0.0.0:')), `bound on all interfaces: ${udpPortsInRange(range)}`);
    assert.equal(forwarder.legs('alert:a'), 1);
    await forwarder.remove('alert:a', 'p1');
    assert.deepEqual(udpPortsInRange(range), []);
    await forwarder.close();
  });

  it('with an address, announces and binds that one only', async () => {
    const forwarder = new VoiceForwarder({ address: '127.0.0.1', portRange: range, log });
    let answer = '';
    await forwarder.offer('alert:a', 'p1', { type: 'offer', sdp: SAMPLE_OFFER }, (data) => {
      answer = (data as { description: { sdp: string } }).description.sdp;
    });
    assert.deepEqual([...answer.matchAll(/a=candidate:\S+ 1 udp \d+ (\S+) \d+ typ host/g)].map((m) => m[1]), ['127.0.0.1']);
    assert.equal(udpPortsInRange(range).length, 1);
    assert.match(udpPortsInRange(range)[0], /^127\.0\.0\.1:/);
    await forwarder.close();
    assert.deepEqual(udpPortsInRange(range), [], 'close() closes every socket');
  });
});
