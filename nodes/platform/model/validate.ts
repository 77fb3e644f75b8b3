import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
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

function listSchemas(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSchemas(full);
    return entry.name.endsWith('.schema.json') ? [full] : [];
  });
}
