import * as fs from 'node:fs';
import { Session } from 'node:inspector';

/**
 * Runs `work` under V8's CPU profiler (the same sampler as `node --cpu-prof`) and writes the
 * profile to `file`: only that part of a run, so start-up, warm-up and baselines stay out of it.
 * Summarise it with bench/profile-summary.ts.
 */
export async function profiled<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  try {
    await post('Profiler.enable');
    // `--cpu-prof` samples every 1 ms: a measured run of a second or two then has too few samples
    // to split a path of tens of µs; every 100 µs costs the run a few per cent more.
    await post('Profiler.setSamplingInterval', { interval: 100 });
    await post('Profiler.start');
    const result = await work();
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    fs.writeFileSync(file, JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}
