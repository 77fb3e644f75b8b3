import assert from 'node:assert/strict';
import { fullFormats } from 'ajv-formats/dist/formats';
import { buildAlert } from '../../../nodes/platform/model/draft';
import { Validators, ValidationError } from '../../../nodes/platform/model/validate';

const validators = new Validators();
const ctx = { now: '2026-11-25T10:00:00.000Z', id: 'a-1' };

describe('alert drafts', () => {
  it('fills defaults and computes priority and fingerprint', () => {
    const alert = buildAlert({ tool: 'firearm', event: 'Firearm detected', severity: 'critical', zone: 'piazza' }, ctx);
    validators.assert('alert', alert);
    assert.equal(alert.priority, 'P1');
    assert.equal(alert.state, 'open');
    assert.equal(alert.status, 'Actual');
    assert.equal(alert.category, 'Security');
    assert.equal(alert.headline, 'Firearm detected');
    assert.equal(alert.occurredAt, ctx.now);
    assert.equal(alert.count, 1);
    assert.deepEqual(alert.history, [{ seq: 1, at: ctx.now, action: 'created' }]);
    assert.match(alert.fingerprint, /^[0-9a-f]{32}$/);
  });

  it('takes node defaults for missing fields and lets the draft win', () => {
    const alert = buildAlert({ event: 'High CFU' }, { ...ctx, defaults: { tool: 'bacteria', severity: 'high', status: 'Exercise' } });
    assert.equal(alert.tool, 'bacteria');
    assert.equal(alert.severity, 'high');
    assert.equal(alert.status, 'Exercise');
    const own = buildAlert({ event: 'High CFU', severity: 'low' }, { ...ctx, defaults: { tool: 'bacteria', severity: 'high' } });
    assert.equal(own.severity, 'low');
  });

  it('accepts epoch milliseconds for times', () => {
    const alert = buildAlert({ tool: 't', event: 'e', occurredAt: Date.parse('2026-01-01T00:00:00Z') }, ctx);
    assert.equal(alert.occurredAt, '2026-01-01T00:00:00.000Z');
  });

  for (const [name, draft] of [
    ['a string', 'hello'],
    ['null', null],
    ['an array', [1, 2]],
    ['a Buffer', Buffer.from('x')],
  ] as const) {
    it(`rejects ${name} as a draft`, () => {
      assert.throws(() => buildAlert(draft, ctx), ValidationError);
    });
  }

  it('rejects fields the platform computes', () => {
    assert.throws(() => buildAlert({ tool: 't', event: 'e', priority: 'P1' }, ctx), /\/priority is computed by the platform/);
    assert.throws(() => buildAlert({ tool: 't', event: 'e', state: 'resolved' }, ctx), /\/state/);
    assert.throws(() => buildAlert({ tool: 't', event: 'e', occurrences: { first: [], last: [] } }, ctx), /\/occurrences is computed/);
  });

  it('names the failing schema path when validation fails', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ tool: 'firearm', event: 'e', severity: 'apocalyptic' }, /\/severity .*allowed values.*#\/properties\/severity\/enum/],
      [{ event: 'e' }, /must have required property 'tool'/],
      [{ tool: 'Firearm!', event: 'e' }, /\/tool must match pattern/],
      [{ tool: 't', event: 'e', location: { type: 'Point', coordinates: [200, 10] } }, /\/location/],
      [{ tool: 't', event: 'e', bogus: 1 }, /must NOT have additional properties 'bogus'/],
      [{ tool: 't', event: 'e', occurredAt: 'yesterday' }, /\/occurredAt must match format "date-time"/],
      [{ tool: 't', event: 'e', headline: 'x'.repeat(600) }, /\/headline must NOT have more than 512 characters/],
    ];
    for (const [draft, pattern] of cases) {
      assert.throws(() => validators.assert('alert', buildAlert(draft, ctx)), pattern);
    }
  });

  it('takes and refuses the same date-times as ajv-formats\' RFC 3339 check', () => {
    const full = (fullFormats['date-time'] as { validate: (s: string) => boolean }).validate;
    const times = [
      '2026-11-25T10:00:00.000Z', '2024-02-29T23:59:59.999Z', '2023-02-29T10:00:00.000Z', '2026-04-31T10:00:00.000Z',
      '2026-13-01T10:00:00.000Z', '2026-00-10T10:00:00.000Z', '2026-01-00T10:00:00.000Z', '2026-01-01T24:00:00.000Z',
      '2026-01-01T10:60:00.000Z', '2026-01-01T23:59:60.000Z', '2026-01-01T10:00:60.000Z', '2026-01-01t10:00:00.000z',
      '2026-01-01 10:00:00.000Z', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00.000+02:00', '2026-01-01T10:00:00.000',
      '2026-1-01T10:00:00.000Z', '2026-01-01T10:00:00.00AZ', '２０２６-01-01T10:00:00.000Z', '1900-02-29T10:00:00.000Z', '2000-02-29T10:00:00.000Z',
    ];
    for (const occurredAt of times) {
      const alert = buildAlert({ tool: 't', event: 'e', occurredAt }, ctx);
      let ours = true;
      try {
        validators.assert('alert', alert);
      } catch {
        ours = false;
      }
      assert.equal(ours, full(occurredAt), occurredAt);
    }
  });
});

describe('tool payload schemas', () => {
  const v = new Validators();
  v.add('tools/test-tool', { type: 'object', required: ['reading'], properties: { reading: { type: 'number' } } });

  it('validate data when the alert carries it', () => {
    assert.doesNotThrow(() => v.assertToolData('test-tool', { reading: 3 }));
    assert.throws(() => v.assertToolData('test-tool', { reading: 'high' }), /tools\/test-tool: \/reading must be number/);
  });

  it('leave an alert without data alone, and tools without a schema free', () => {
    assert.doesNotThrow(() => v.assertToolData('test-tool', undefined));
    assert.doesNotThrow(() => v.assertToolData('no-schema-tool', { anything: true }));
  });
});
