/** The STIX 2.1 pattern engine: parse (with positioned errors) and evaluate over observed data. */
export { PatternSyntaxError } from './lexer';
export { parsePattern, parseTimestamp } from './parser';
export type { Comparison, Observation } from './parser';
export { CompiledPattern, compilePattern, observationsOf } from './evaluate';
export type { MatchResult, ObservedData } from './evaluate';
