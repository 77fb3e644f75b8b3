import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, FormatDefinition, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import { SCHEMA_DIR } from '../paths';

export class ValidationError extends Error {
  readonly code = 'IMPETUS_INVALID';
  constructor(readonly schema: string, readonly errors: ErrorObject[]) {
    super(`${schema}: ${describe(errors)}`);
    this.name = 'ValidationError';
  }
}

/** "/severity must be equal to one of the allowed values (#/properties/severity/enum)" */
export function describe(errors: ErrorObject[]): string {
  return errors
    .slice(0, 3)
    .map((e) => {
      const where = e.instancePath || '/';
      const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
      const allowed = e.keyword === 'enum' ? `: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` : '';
      return `${where} ${e.message}${extra}${allowed} (${e.schemaPath})`;
    })
    .join('; ');
}

/**
 * One ajv instance per runtime for every schema in schemas/: the envelope, the tool payload
 * schemas (schemas/tools/<tool>.schema.json) and anything a plug-in package registers.
 */
export class Validators {
  private readonly ajv = new Ajv2020({ allErrors: false, strict: true, strictTuples: false, allowUnionTypes: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly toolSchemas = new Map<string, string>();

  constructor(schemaDir: string = SCHEMA_DIR) {
    addFormats(this.ajv);
    this.ajv.addFormat('date-time', { ...(fullFormats['date-time'] as FormatDefinition<string>), validate: dateTime });
    this.ajv.addKeyword({ keyword: '$schemaVersion' });
    for (const file of listSchemas(schemaDir)) {
      const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
      const name = path.relative(schemaDir, file).replace(/\\/g, '/').replace(/\.schema\.json$/, '');
      this.add(name, schema);
      if (name.startsWith('tools/')) this.toolSchemas.set(name.slice('tools/'.length), name);
    }
  }

  /** Registers a schema under a name, e.g. a plug-in tool's payload schema as `tools/<tool>`. */
  add(name: string, schema: object): void {
    if (this.compiled.has(name)) throw new Error(`schema ${name} is already registered`);
    this.compiled.set(name, this.ajv.compile(schema));
    if (name.startsWith('tools/')) this.toolSchemas.set(name.slice('tools/'.length), name);
  }

  has(name: string): boolean {
    return this.compiled.has(name);
  }

  /** Throws ValidationError naming the failing path when `value` does not match. */
  assert(name: string, value: unknown): void {
    const validate = this.compiled.get(name);
    if (!validate) throw new Error(`no schema named ${name}`);
    if (!validate(value)) throw new ValidationError(name, validate.errors ?? []);
  }

  /**
   * Validates a tool's payload when the alert carries one and the tool has a schema; `data` is
   * optional in the envelope, so an alert raised by hand for a tool stays valid without it.
   */
  assertToolData(tool: string, data: unknown): void {
    const name = this.toolSchemas.get(tool);
    if (name && data !== undefined) this.assert(name, data);
  }
}

const fullDateTime = (fullFormats['date-time'] as FormatDefinition<string>).validate as (value: string) => boolean;
const DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Offsets of the digits in `YYYY-MM-DDTHH:MM:SS.sssZ`. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * ajv-formats' `date-time` (RFC 3339), with a quick yes for the one shape every time the platform
 * makes has, `Date.prototype.toISOString()`'s `YYYY-MM-DDTHH:MM:SS.sssZ`: an alert carries five
 * or more (occurredAt, firstSeen, lastSeen, its audit entries, its escalation), and the full check
 * splits each and runs two regular expressions on the parts (~2 µs and ~3 KB of garbage an
 * alert). It accepts only what the full check accepts; anything else gets the full check.
 */
function dateTime(value: string): boolean {
  return isoInstant(value) || fullDateTime(value);
}

function isoInstant(s: string): boolean {
  if (s.length !== 24 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[19] !== '.' || s[23] !== 'Z') return false;
  for (const i of DIGITS) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && leap ? 29 : DAYS[month]) &&
    digitsAt(s, 11, 2) <= 23 && digitsAt(s, 14, 2) <= 59 && digitsAt(s, 17, 2) <= 59;
}

function digitsAt(s: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) value = value * 10 + s.charCodeAt(i) - 48;
  return value;
}

function listSchemas(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSchemas(full);
    return entry.name.endsWith('.schema.json') ? [full] : [];
  });
}
