/**
 * Console settings and role views: defaults, and a clear start-up error naming the setting or
 * file for every wrong value.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { contentSecurityPolicy } from '../../../nodes/platform/console/assets';
import type { ConsoleSettings } from '../../../nodes/platform/console/settings';
import { resolveConsoleSettings } from '../../../nodes/platform/console/settings';
import { canSee, loadViews, restrictQuery, seesEveryTool } from '../../../nodes/platform/console/views';
import type { View } from '../../../nodes/platform/console/views';
import { Validators } from '../../../nodes/platform/model/validate';

const HASH = '$2b$04$zYuJcYXWSpvFn8YYuaZE2.nMoyWTHWhVPy22g4Sk5F1pyV9xCjys2';

describe('console settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-console-settings-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has working defaults: no users, 30 min idle, Secure over HTTPS, offline map', () => {
    const s = resolveConsoleSettings({}, dir);
    assert.equal(s.users.size, 0);
    assert.equal(s.session.idleMs, 30 * 60_000);
    assert.equal(s.session.secure, 'auto');
    assert.equal(s.session.cookieName, 'impetus_session');
    assert.deepEqual(s.session.backoff, { freeAttempts: 5, addressAttempts: 20, userAddresses: 10, baseMs: 1000, maxMs: 300_000 });
    assert.equal(s.map.tileUrl, '');
    assert.deepEqual(s.map.sites, { type: 'FeatureCollection', features: [] });
  });

  it('names the wrong setting', () => {
    const cases: Array<[ConsoleSettings, RegExp]> = [
      [{ users: { olga: { role: 'janitor' as never, passwordHash: HASH } } }, /users\.olga\.role must be one of operator/],
      [{ users: { olga: { role: 'operator', passwordHash: 'secret' } } }, /users\.olga\.passwordHash must be a bcrypt hash \(make one with npm run hash-password\)/],
      [{ users: { 'bad name!': { role: 'operator', passwordHash: HASH } } }, /"bad name!" is not a valid user name/],
      [{ users: [] as never }, /users must be an object/],
      [{ session: { idleMinutes: 0 } }, /session\.idleMinutes must be a number from 1/],
      [{ session: { secure: 'yes' as never } }, /session\.secure must be auto, true or false/],
      [{ session: { cookieName: 'a b' } }, /session\.cookieName/],
      [{ session: { loginBackoff: { freeAttempts: -1 } } }, /loginBackoff\.freeAttempts/],
      [{ session: { loginBackoff: { addressAttempts: 0 } } }, /loginBackoff\.addressAttempts/],
      [{ session: { loginBackoff: { userAddresses: 0 } } }, /loginBackoff\.userAddresses/],
      [{ map: { tileUrl: 'ftp://tiles/{z}/{x}/{y}.png' } }, /map\.tileUrl must be an http\(s\) URL template/],
      [{ map: { tileUrl: 'https://tiles.example/tile.png' } }, /map\.tileUrl/],
      [{ map: { center: [200, 0] } }, /map\.center must be \[latitude, longitude\]/],
      [{ map: { sites: { type: 'Feature' } as never } }, /map\.sites must be a GeoJSON FeatureCollection/],
      [{ map: { sites: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Blob', coordinates: [] } }] } } }, /features\[0\]\.geometry has an unknown type/],
      [{ map: { sites: 'missing.geojson' } }, /map\.sites: cannot read .*missing\.geojson/],
      [{ views: { dir: '' } }, /views\.dir must be a directory path/],
    ];
    for (const [raw, error] of cases) assert.throws(() => resolveConsoleSettings(raw, dir), error, JSON.stringify(raw));
    fs.writeFileSync(path.join(dir, 'broken.geojson'), '{ nope');
    assert.throws(() => resolveConsoleSettings({ map: { sites: 'broken.geojson' } }, dir), /broken\.geojson is not JSON/);
  });

  it('takes the site\'s time zone, by default the runtime\'s, and refuses one that is not an IANA zone', () => {
    assert.equal(resolveConsoleSettings({ timeZone: 'Europe/Rome' }, dir).timeZone, 'Europe/Rome');
    assert.equal(resolveConsoleSettings({}, dir).timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone);
    for (const bad of ['Mars/Olympus', '', 42]) {
      assert.throws(() => resolveConsoleSettings({ timeZone: bad } as ConsoleSettings, dir), /timeZone must be an IANA time zone/, String(bad));
    }
  });

  it('reads site outlines from a file relative to the user directory', () => {
    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'Hall' }, geometry: { type: 'Point', coordinates: [11, 45] } }] };
    fs.writeFileSync(path.join(dir, 'sites.geojson'), JSON.stringify(fc));
    assert.deepEqual(resolveConsoleSettings({ map: { sites: 'sites.geojson' } }, dir).map.sites, fc);
  });

  it('lets a tile server through the Content-Security-Policy only when one is configured', () => {
    assert.match(contentSecurityPolicy(''), /img-src 'self' data: blob:;/);
    assert.match(contentSecurityPolicy('https://tiles.example.org/{z}/{x}/{y}.png'), /img-src 'self' data: blob: https:\/\/tiles\.example\.org;/);
    assert.match(contentSecurityPolicy('https://{s}.tile.example.org/{z}/{x}/{y}.png'), /https:\/\/\*\.tile\.example\.org/);
  });
});

describe('role views', () => {
  const validators = new Validators();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impetus-views-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads one valid view per role from dashboards/', () => {
    const views = loadViews(validators);
    assert.deepEqual([...views.keys()].sort(), ['admin', 'cyber', 'field', 'intel', 'manager', 'operator', 'supervisor']);
  });

  it('takes a role\'s view from the settings directory, and refuses an invalid one with its file name', () => {
    const own: View = { role: 'manager', title: 'Mayor', tools: ['firearm'], pages: ['main'], actions: [] };
    fs.writeFileSync(path.join(dir, 'manager.json'), JSON.stringify(own));
    assert.deepEqual(loadViews(validators, dir).get('manager')!.tools, ['firearm']);
    fs.writeFileSync(path.join(dir, 'manager.json'), JSON.stringify({ ...own, actions: ['delete'] }));
    assert.throws(() => loadViews(validators, dir), /manager\.json: view: \/actions\/0 must be equal to one of the allowed values/);
    fs.writeFileSync(path.join(dir, 'manager.json'), JSON.stringify({ ...own, pages: ['map'] }));
    assert.throws(() => loadViews(validators, dir), /manager\.json: view: \/pages must contain at least 1 valid item/);
    fs.writeFileSync(path.join(dir, 'manager.json'), JSON.stringify({ ...own, role: 'field' }));
    assert.throws(() => loadViews(validators, dir), /its role is field; the file must be named field\.json/);
    fs.writeFileSync(path.join(dir, 'manager.json'), JSON.stringify({ ...own, tools: ['firearm', '!workload'] }));
    assert.throws(() => loadViews(validators, dir), /"!<tool>" leaves a tool out of "\*"/);
  });

  it('narrows queries to the view and never widens an empty intersection to "all"', () => {
    const view: View = { role: 'field', title: 'f', tools: ['firearm', 'bacteria'], pages: ['main'], actions: [], filters: { priority: ['P1', 'P2'] } };
    assert.deepEqual(restrictQuery(view, {}).tool, ['firearm', 'bacteria']);
    assert.deepEqual(restrictQuery(view, { tool: 'cti' }).tool, []);
    const amberAndBelow = ['clear', 'green', 'amber'];
    assert.deepEqual(restrictQuery(view, { tool: ['cti', 'firearm'], priority: 'P4' }), { tool: ['firearm'], priority: [], status: undefined, zone: undefined, tlp: amberAndBelow });
    // A view without a clearance sees up to AMBER; asking for RED selects nothing; a RED clearance adds no filter.
    assert.deepEqual(restrictQuery(view, { tlp: ['red'] }).tlp, []);
    assert.equal(restrictQuery({ ...view, tlp: 'red' }, {}).tlp, undefined);
    assert.equal(canSee(view, { tool: 'firearm', priority: 'P1', status: 'Actual', tlp: 'amber+strict' }), false);
    assert.equal(canSee({ ...view, tlp: 'amber+strict' }, { tool: 'firearm', priority: 'P1', status: 'Actual', tlp: 'amber+strict' }), true);
    assert.equal(canSee(view, { tool: 'firearm', priority: 'P3', status: 'Actual' }), false);
    assert.equal(canSee(view, { tool: 'firearm', priority: 'P2', status: 'Exercise' }), true);
    // Every tool but workload: no tool list, workload left out, and never widened by asking for it.
    const most: View = { role: 'manager', title: 'm', tools: ['*', '!workload'], pages: ['main'], actions: [] };
    assert.deepEqual(restrictQuery(most, {}), { tool: undefined, notTool: ['workload'], status: undefined, priority: undefined, zone: undefined, tlp: amberAndBelow });
    assert.deepEqual(restrictQuery(most, { tool: 'workload' }).notTool, ['workload']);
    assert.equal(canSee(most, { tool: 'plugin-tool', priority: 'P4', status: 'Actual' }), true);
    assert.equal(canSee(most, { tool: 'workload', priority: 'P1', status: 'Actual' }), false);
    assert.equal(seesEveryTool(most), false);
    assert.equal(seesEveryTool({ ...most, tools: ['*'] }), true);
    assert.equal(seesEveryTool(view), false);
  });
});
