/**
 * Personal panels (PanelDef.personal): one state per console user, each user sent only their own,
 * by the registry (HTTP's view of panels) and by the live hub (the WebSocket), whatever the role;
 * shared panels unchanged beside them. Fake sockets, flushes driven by the test.
 */
import assert from 'node:assert/strict';
import { AlertIndex } from '../../../nodes/platform/console/alert-index';
import { LiveHub } from '../../../nodes/platform/console/hub';
import type { LiveSocket } from '../../../nodes/platform/console/hub';
import { PanelRegistry, PersonalStates } from '../../../nodes/platform/console/panels';
import type { PanelDef } from '../../../nodes/platform/console/panels';
import type { Session } from '../../../nodes/platform/console/sessions';
import type { Role } from '../../../nodes/platform/console/settings';
import { ROLES } from '../../../nodes/platform/console/settings';
import { TableState } from '../../../nodes/ui/panel-kinds/table';
import { packagedViews } from '../../support/console';

/** The table kind, with one row action: what a per-user impetus-ui-table keeps for each user. */
class Rows extends TableState {
  constructor() {
    super({ columns: [{ field: 'operator', label: 'Operator' }, { field: 'state', label: 'State' }], key: 'operator', actions: [{ name: 'pause', label: 'Pause' }], actionRoles: ['operator'], maxRows: 10, filters: [] });
  }
  put(operator: string, state: string): void {
    this.upsert({ operator, state });
  }
}

class FakeSocket implements LiveSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  send(data: Buffer): void {
    this.sent.push(data.toString('utf8'));
  }
  close(): void {}
  terminate(): void {}
  panels(): Array<{ id: string; own?: boolean; update: { rows: Array<{ operator: string }> } }> {
    return this.sent.map((s) => JSON.parse(s)).filter((m) => m.type === 'batch').flatMap((m) => m.panels);
  }
}

function session(role: Role, username: string): Session {
  return { id: `sid-${username}-${Math.random()}`, user: { username, name: username, role }, csrf: 'x', createdAt: 0, lastSeen: 0 };
}

const OWN: PanelDef = { id: 'own', kind: 'table', page: 'workload', title: 'My workload', roles: ['operator'], order: 0 };
const TEAM: PanelDef = { id: 'team', kind: 'table', page: 'workload', title: 'Team', roles: ['supervisor'], order: 0 };

describe('personal panels', () => {
  const views = packagedViews();
  let registry: PanelRegistry;
  let states: PersonalStates<Rows>;
  let team: Rows;

  beforeEach(() => {
    registry = new PanelRegistry();
    states = new PersonalStates(() => new Rows());
    registry.registerPersonal(OWN, states);
    team = new Rows();
    registry.register(TEAM, team);
    states.of('alice').put('op-2', 'high');
    states.of('bob').put('op-3', 'normal');
    team.put('op-2', 'high');
    team.put('op-3', 'normal');
  });

  it('gives each user their own state and nobody else\'s, whatever the role', () => {
    const ownOf = (role: Role, username: string) => JSON.stringify(registry.own(views.get(role)!, username));
    assert.match(ownOf('operator', 'alice'), /op-2/);
    assert.doesNotMatch(ownOf('operator', 'alice'), /op-3/);
    assert.match(ownOf('operator', 'bob'), /op-3/);
    assert.doesNotMatch(ownOf('operator', 'bob'), /op-2/);
    assert.equal(ownOf('operator', 'carol'), '[]', 'nothing addressed to carol: no panel at all');
    // A user name the flow addressed, logged in under a role the node does not name: nothing,
    // admin included (it is someone's own data, not the platform's).
    for (const role of ROLES.filter((r) => r !== 'operator')) assert.equal(ownOf(role, 'alice'), '[]', role);
    for (const role of ROLES) {
      const view = views.get(role)!;
      const page = JSON.stringify(registry.page(view, 'workload'));
      assert.doesNotMatch(page, /My workload/, `${role}: a personal panel is on no shared page`);
      assert.ok(!registry.pages(view).some((p) => p.panels > 1), `${role}: counted on no page`);
    }
    assert.match(JSON.stringify(registry.page(views.get('supervisor')!, 'workload')), /Team.*op-2.*op-3/, 'the supervisor\'s team view is unchanged');
  });

  it('answers row actions only on the user\'s own rows', () => {
    const own = registry.get('own')!;
    assert.equal(registry.stateFor(own, views.get('operator')!, 'alice')?.rowActions?.hasRow('op-2'), true);
    assert.equal(registry.stateFor(own, views.get('operator')!, 'alice')?.rowActions?.hasRow('op-3'), false);
    assert.equal(registry.stateFor(own, views.get('admin')!, 'alice'), undefined);
    assert.equal(registry.stateFor(registry.get('team')!, views.get('operator')!, 'alice'), undefined);
  });

  it('refuses a message addressed to no valid user name, and bounds the users', () => {
    for (const bad of [undefined, '', 'a b', 'x'.repeat(65), 42, { username: 'alice' }]) assert.throws(() => states.of(bad), /msg\.user/);
    const small = new PersonalStates(() => new Rows(), 2);
    small.of('a');
    small.of('b');
    assert.throws(() => small.of('c'), /at most 2/);
    assert.ok(small.of('a'), 'a known user still gets theirs');
  });

  it('sends each user\'s updates to that user\'s clients only, over the WebSocket', () => {
    const hub = new LiveHub({ index: new AlertIndex(), panels: registry, viewFor: (user) => views.get(user.role)!, alive: () => true }, { flushMs: 1e6, summaryMs: 1e6, pingMs: 1e9 });
    try {
      const sockets = new Map<string, FakeSocket>();
      const connect = (role: Role, username: string) => {
        const s = new FakeSocket();
        hub.connect(s, session(role, username));
        sockets.set(`${role}:${username}`, s);
      };
      connect('operator', 'alice');
      connect('operator', 'alice'); // a second tab: replaced in the map, counted below by its own socket
      const secondTab = sockets.get('operator:alice')!;
      connect('operator', 'bob');
      connect('operator', 'carol');
      for (const role of ROLES.filter((r) => r !== 'operator')) connect(role, 'alice');
      registry.takeUpdates(); // what the setup put there: not under test
      states.of('alice').put('op-2', 'normal');
      registry.touch('own', 'alice');
      states.of('bob').put('op-3', 'low');
      registry.touch('own', 'bob');
      team.put('op-2', 'normal');
      registry.touch('team');
      hub.flush();
      const heard = (key: string) => JSON.stringify(sockets.get(key)!.panels());
      assert.match(JSON.stringify(secondTab.panels()), /"own":true.*op-2/);
      assert.doesNotMatch(heard('operator:alice'), /op-3/);
      assert.match(heard('operator:bob'), /"own":true.*op-3/);
      assert.doesNotMatch(heard('operator:bob'), /op-2/);
      assert.equal(heard('operator:carol'), '[]');
      for (const role of ROLES.filter((r) => r !== 'operator')) assert.doesNotMatch(heard(`${role}:alice`), /"own"/, `${role} named alice hears no own panel`);
      assert.match(heard('supervisor:alice'), /"id":"team"/, 'the team table still reaches the supervisor');
      assert.doesNotMatch(heard('operator:alice'), /"id":"team"/);
    } finally {
      hub.close();
    }
  });
});
