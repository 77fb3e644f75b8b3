import assert from 'node:assert/strict';
import { beatQuality, QUALITY_LIMITS, sampledQuality } from '../../nodes/workload/quality';

// Each check of the issue (flat line, saturation, dropouts, implausible heart rate, contact lost)
// on its own, at a window of 256 samples, with a healthy channel beside it.
describe('workload: signal quality per channel', function () {
  const N = 256;
  const eeg = (amplitude: number) => Array.from({ length: N }, (_, i) => amplitude * Math.sin((2 * Math.PI * 10 * i) / N) + (amplitude / 5) * Math.sin(i * 1.7));

  it('passes a plausible EEG channel and names each failure with its reason', function () {
    assert.deepEqual(sampledQuality('eeg', eeg(20), N, [-500, 500]), { status: 'ok' });
    assert.equal(sampledQuality('eeg', eeg(20).slice(0, N / 4), N).status, 'no-data');
    const lost = eeg(20).map((v, i) => (i % 5 === 0 ? Number.NaN : v));
    assert.match(sampledQuality('eeg', lost, N).detail!, /20 % of samples lost/);
    assert.equal(sampledQuality('eeg', eeg(20).map((v, i) => (i % 50 === 0 ? Number.NaN : v)), N).status, 'ok', '2 % lost is within the limit');
    assert.equal(sampledQuality('eeg', eeg(0.1), N).status, 'flat', `below ${QUALITY_LIMITS.eegFlatUv} µV`);
    assert.equal(sampledQuality('ppg', new Array(N).fill(812), N).status, 'flat');
    const clipped = eeg(20).map((v, i) => (i % 20 === 0 ? 60 : v));
    assert.deepEqual(sampledQuality('eeg', clipped, N, [-60, 60]), { status: 'saturated', detail: '5 % of samples at the range limit' });
    assert.equal(sampledQuality('eeg', clipped, N).status, 'ok', 'no range given: nothing to saturate against');
    assert.match(sampledQuality('eeg', eeg(400), N).detail!, /electrode contact lost \(\d+ µV\)/);
    assert.equal(sampledQuality('ppg', eeg(400), N).status, 'ok', 'a PPG of large amplitude is not a lost electrode');
    assert.equal(sampledQuality('eeg', eeg(20), N, undefined, false).status, 'contact', "the sensor's own contact bit");
  });

  it('passes a plausible heart rate and refuses too few beats, implausible rates and lost contact', function () {
    assert.deepEqual(beatQuality(70, 70, 60), { status: 'ok' });
    assert.equal(beatQuality(5, 70, 60).status, 'no-data');
    assert.deepEqual(beatQuality(300, 300, 60), { status: 'implausible-hr', detail: 'heart rate 300 bpm is implausible' });
    assert.equal(beatQuality(30, 30, 60).status, 'implausible-hr');
    assert.equal(beatQuality(60, Number.NaN, 60).status, 'implausible-hr');
    assert.equal(beatQuality(70, 70, 60, false).status, 'contact');
  });
});
