import assert from 'node:assert/strict';
import { buildAlert } from '../../../nodes/platform/model/draft';
import { acknowledge, addComment, assign, escalate, recordOccurrence, reopen, resolve, TransitionError } from '../../../nodes/platform/model/lifecycle';
import type { Alert } from '../../../nodes/platform/model/types';
import { Validators } from '../../../nodes/platform/model/validate';

const validators = new Validators();
const T0 = '2026-11-25T10:00:00.000Z';
const T1 = '2026-11-25T10:01:00.000Z';
const T2 = '2026-11-25T10:02:00.000Z';

function open(extra: Record<string, unknown> = {}): Alert {
  return buildAlert({ tool: 'firearm', event: 'Firearm detected', severity: 'high', zone: 'piazza', ...extra }, { now: T0, id: 'a1' });
}

describe('alert lifecycle', () => {
  it('acknowledges, assigns, comments and resolves, recording who and when', () => {
    let a = acknowledge(open(), 'olga', T1, 'on it').alert;
    assert.equal(a.state, 'acknowledged');
    assert.deepEqual(a.ack, { by: 'olga', at: T1, note: 'on it' });
    a = assign(a, 'field-team-2', 'olga', T1).alert;
    assert.equal(a.assignee, 'field-team-2');
    const commented = addComment(a, 'suspect moving north', 'sam', T2);
    a = commented.alert;
    assert.equal(a.comments.length, 1);
    assert.equal(a.comments[0].by, 'sam');
    assert.equal(commented.details?.comment !== undefined, true);
    a = resolve(a, 'false alarm: toy gun', 'olga', T2).alert;
    assert.equal(a.state, 'resolved');
    assert.deepEqual(a.resolved, { by: 'olga', at: T2, reason: 'false alarm: toy gun' });
    assert.deepEqual(a.history.map((h) => [h.seq, h.action, h.by]), [
      [1, 'created', undefined],
      [2, 'acknowledged', 'olga'],
      [3, 'assigned', 'olga'],
      [4, 'commented', 'sam'],
      [5, 'resolved', 'olga'],
    ]);
    validators.assert('alert', a);
  });

  it('refuses forbidden transitions with a clear error', () => {
    const acked = acknowledge(open(), 'olga', T1).alert;
    assert.throws(() => acknowledge(acked, 'sam', T2), (err: unknown) => err instanceof TransitionError && /acknowledged \(by olga\)/.test(err.message));
    const resolved = resolve(acked, 'done', 'olga', T2).alert;
    assert.throws(() => resolve(resolved, 'again', 'sam', T2), TransitionError);
    assert.throws(() => assign(resolved, 'x', 'sam', T2), TransitionError);
    assert.throws(() => reopen(open(), 'sam', T2), TransitionError);
  });

  it('requires a resolution reason, a comment text and an assignee', () => {
    assert.throws(() => resolve(open(), '  ', 'olga', T1), /resolution reason is required/);
    assert.throws(() => addComment(open(), '', 'olga', T1), /comment text is required/);
    assert.throws(() => assign(open(), '', 'olga', T1), /assignee is required/);
  });

  it('reopens a resolved alert and clears ack and resolution', () => {
    const resolved = resolve(acknowledge(open(), 'olga', T1).alert, 'done', 'olga', T1).alert;
    const again = reopen(resolved, 'sam', T2, 'seen again').alert;
    assert.equal(again.state, 'open');
    assert.equal(again.ack, undefined);
    assert.equal(again.resolved, undefined);
    assert.equal(again.history.at(-1)?.action, 'reopened');
  });

  it('records an occurrence: count, lastSeen, occurrences, newest description, never a lower priority', () => {
    const first = open();
    const repeat = buildAlert({ tool: 'firearm', event: 'Firearm detected', severity: 'low', zone: 'piazza', description: 'second sighting' }, { now: T1, id: 'a2' });
    const merged = recordOccurrence(first, repeat, T1);
    assert.equal(merged.id, 'a1');
    assert.equal(merged.count, 2);
    assert.equal(merged.lastSeen, T1);
    assert.equal(merged.firstSeen, T0);
    assert.equal(merged.description, 'second sighting');
    assert.equal(merged.priority, first.priority);
    assert.deepEqual(merged.history, first.history, 'a repeat is no audit entry');
    assert.deepEqual(merged.occurrences?.first.map((o) => o.n), [1, 2]);
    const worse = buildAlert({ tool: 'firearm', event: 'Firearm detected', severity: 'critical', zone: 'piazza' }, { now: T2, id: 'a3' });
    assert.equal(recordOccurrence(merged, worse, T2).priority, 'P1');
    validators.assert('alert', merged);
  });

  it('escalates with a level and the next deadline', () => {
    const a = escalate(open(), 1, T1, T2).alert;
    assert.deepEqual(a.escalation, { level: 1, nextAt: T2 });
    assert.deepEqual(a.history.at(-1)?.details, { level: 1 });
    assert.deepEqual(escalate(a, 2, T2, undefined).alert.escalation, { level: 2 });
  });
});
