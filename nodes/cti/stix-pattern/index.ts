/** The STIX 2.1 pattern engine: parse (with positioned errors) and evaluate over observed data. */
export { PatternSyntaxError } from './lexer';
export { parsePattern, parseTimestamp } from './parser';
export type { Comparison, Literal, Observation, ObjectPath } from './parser';
export { CompiledPattern, compilePattern, observationsOf, select } from './evaluate';
export type { MatchResult, ObservedData } from './evaluate';
export { ipWithin } from './compare';
