/**
 * The FIWARE Smart Data Models Alert constraints the exports are tested against
 * (test/fixtures/fiware/alert-keyvalues.schema.json, written from the model's spec.md: see
 * test/fixtures/README.md), in key-values and NGSI-LD normalized form. Never downloaded.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { PACKAGE_ROOT } from '../../nodes/platform/paths';

type Schema = { properties: Record<string, unknown>; required: string[]; [key: string]: unknown };
const KEY_VALUES = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'test', 'fixtures', 'fiware', 'alert-keyvalues.schema.json'), 'utf8')) as Schema;
const DATE_TIMES = ['dateCreated', 'dateIssued', 'dateModified', 'validFrom', 'validTo'];

/**
 * The NGSI-LD normalized form of the same constraints: every attribute wrapped as a Property,
 * `location` as a GeoProperty, date-times as {"@type": "DateTime", "@value": …}, as in the
 * model's example-normalized.jsonld.
 */
function normalizedSchema(kv: Schema): object {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(kv.properties)) {
    if (name === 'id' || name === 'type' || name === '@context') {
      properties[name] = value;
      continue;
    }
    const inner = DATE_TIMES.includes(name)
      ? { type: 'object', additionalProperties: false, required: ['@type', '@value'], properties: { '@type': { const: 'DateTime' }, '@value': value } }
      : value;
    properties[name] = {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'value'],
      properties: { type: { const: name === 'location' ? 'GeoProperty' : 'Property' }, value: inner },
    };
  }
  return { ...kv, $id: 'https://impetus.example/test/fiware-alert.normalized.schema.json', properties };
}

export const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
export const validateKeyValues: ValidateFunction = ajv.compile(KEY_VALUES);
export const validateNormalized: ValidateFunction = ajv.compile(normalizedSchema(KEY_VALUES));

export function assertValid(validate: ValidateFunction, value: unknown, what: string): void {
  assert.ok(validate(value), `${what}: ${ajv.errorsText(validate.errors)}`);
}

