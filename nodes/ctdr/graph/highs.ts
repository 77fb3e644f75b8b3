/**
 * HiGHS (the npm package `highs`: the University of Edinburgh's MIP solver compiled to
 * WebAssembly) as the cut's exact hitting-set solver. Loaded once per process, in the
 * background: instantiating the 3.5 MB module is asynchronous, solving then is synchronous.
 */
import highsLoader from 'highs';
import type { HittingSetSolver, LpSolver } from './cut';
import { highsHittingSet } from './cut';

let loading: Promise<HittingSetSolver> | undefined;

export function loadHittingSetSolver(): Promise<HittingSetSolver> {
  loading ??= highsLoader().then((highs) => highsHittingSet(highs as unknown as LpSolver));
  return loading;
}
