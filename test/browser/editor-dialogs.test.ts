/**
 * Every node's edit dialog, round-tripped in the real Node-RED editor (Debian's Chromium driven by
 * playwright-core) against a real runtime in a child process, as an integrator uses it: each flow
 * node of package.json's `node-red.nodes` is dragged from the palette onto the workspace and
 * opened; every field of its form gets a value other than the one it had (config nodes through
 * the dialog's "add new" button, as a user creates them); Done, deploy; then the deployed flow
 * JSON must hold every value, and after a reload of the editor every dialog must show them again.
 * A field whose value is lost on the way (a property Node-RED reserves, a missing default, an
 * oneditsave that forgets it) fails the test, as does any "property … is internal" warning or
 * error in the browser console. A flow written before `users` was renamed `chatUsers` is loaded
 * too, and its mapping must reach the dialog and the next deploy.
 *
 * The runtime gets settings of its own with adminAuth on, and the editor a token, so the test
 * runs the same whether or not the package's settings lock the editor.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import bcrypt from 'bcryptjs';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { freePort, NodeRedProcess, PACKAGE_ROOT, request, runtimeSettings, settingsModule, SYSTEM_TEST_USER, tempDir } from '../support/node-red-process';
import { CHROMIUM, skipWithoutChromium } from '../support/browser';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const READY_MS = 90_000;
const STEP_MS = 30_000;
const ADMIN = { username: 'editor-admin', password: 'editor-dialogs-password' };
/** An editor user with the `read` permission only: may look at the CTI allow-list, not change it. */
const READER = { username: 'editor-reader', password: 'editor-reader-password' };
/** An impetus-cti-match in the starting flow, with entries the console added before the editor opens. */
const CTI_ALLOW_NODE = 'dlg-cti-allow';
const CONSOLE_ALLOWS = [
  { value: 'c1ty-portal.eu', asset: 'portal', reason: 'our own typo domain', by: 'cyber-ana', at: '2026-03-07T10:00:00.000Z', alertId: 'alert-fp-1' },
  { value: 'city-portal.eu.example', asset: 'portal', reason: 'a partner test portal', by: 'cyber-bo', at: '2026-03-07T11:00:00.000Z', alertId: 'alert-fp-2' },
];

const ourTypes = Object.keys(JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'))['node-red'].nodes as Record<string, string>);

/** Closed local ports: the nodes the test deploys must not reach anything. */
const NOWHERE = 'http://127.0.0.1:9';
/**
 * Values for fields a generic change cannot produce validly (JSON, paths, ids), by `type.field`
 * or by field. Every other field gets a generic different value (see `fillDialog`).
 */
const VALUES: Record<string, string> = {
  'impetus-telegram.chatUsers': JSON.stringify([{ telegram: 4242, user: SYSTEM_TEST_USER.username }]),
  'impetus-rocketchat.chatUsers': JSON.stringify([{ rocketchat: 'u-dialog', username: 'dialog', user: SYSTEM_TEST_USER.username }]),
  'impetus-telegram.apiBase': `${NOWHERE}/bot-api`,
  'impetus-rocketchat.serverUrl': `${NOWHERE}/chat`,
  'impetus-kafka-broker.brokers': '127.0.0.1:9',
  'impetus-onnx-model.inputSize': '320',
  'impetus-anomaly.settings': JSON.stringify({ maxGroups: 50 }),
  'impetus-evacuation.limitSeconds': '240',
  'impetus-evacuation.maxRisk': '0.7',
  'impetus-evacuation.emptyAt': '04:00',
  'impetus-social-project.zones': JSON.stringify([{ name: 'dialog', polygon: [[11.87, 45.40], [11.88, 45.40], [11.88, 45.41]], places: ['Piazza dei Signori'] }]),
  'impetus-social-rss.url': `${NOWHERE}/feed.xml`,
  lat: '45.4064',
  lon: '11.8768',
  'impetus-camera-in.zones': JSON.stringify([{ name: 'gate', polygon: [[0, 0], [0.5, 0], [0.5, 0.5]] }]),
  rules: JSON.stringify([{ name: 'dialog', priorities: ['P1'], chats: ['-100'] }]),
  timeZone: 'Europe/Rome',
  // Multi-selects of console roles (typedInputs with fixed options).
  roles: 'field,manager',
  actionRoles: 'supervisor',
  allowedChats: '-100, -200',
  consoleUrl: 'https://soc.example/impetus',
  'impetus-social-mastodon-server.streamingUrl': `${NOWHERE}/streaming`,
  'impetus-social-json.url': `${NOWHERE}/posts.json`,
  'impetus-social-json.itemsPath': '$.hits[*]',
  'impetus-social-json.idPath': '$.objectID',
  'impetus-social-json.textPath': '$.title',
  'impetus-social-json.authorPath': '$.author',
  'impetus-social-json.tsPath': '$.created_at',
  'impetus-social-json.urlPath': '$.url',
  'impetus-social-json.langPath': '$.lang',
  'impetus-social-json.latPath': '$.geo.lat',
  'impetus-social-json.lonPath': '$.geo.lon',
  'impetus-cti-match.register': JSON.stringify({ organisation: 'Dialog City', owners: [{ id: 'it', name: 'IT' }], domains: [{ id: 'portal', name: 'dialog-city.eu', owner: 'it', criticality: 'high' }] }),
  'impetus-cti-match.allowList': JSON.stringify([{ value: 'dialog-city.eu.example', reason: 'a partner test portal' }]),
  'impetus-cti-match.minLookalikeScore': '0.8',
  'impetus-cti-taxii-server.url': `${NOWHERE}/taxii2/`,
  'impetus-cti-feed.filters': JSON.stringify({ tags: ['tlp:green'], published: true }),
  'impetus-workload.eegRate': '250',
  'impetus-workload.ppgRate': '128',
  'impetus-workload.consoleUsers': 'op-7:dialog-operator',
  'impetus-incident-rules.rules': JSON.stringify([{ id: 'dialog', tools: ['firearm', 'anomaly'], windowMinutes: 10, distanceMeters: 200 }]),

  'impetus-ctdr.register': JSON.stringify({ organisation: 'Dialog City', hosts: [{ id: 'web', ips: ['10.9.0.1'], zone: 'dmz', criticality: 'high', crownJewel: true }] }),
  'impetus-ctdr.network': JSON.stringify({ zones: ['internet', 'dmz'], entryZones: ['internet'], firewall: [{ from: 'internet', to: 'dmz', protocol: 'tcp', ports: [443] }] }),
  'impetus-ctdr-eve.port': '0',
  'impetus-ctdr-eve.bind': '127.0.0.1',
  'impetus-ctdr-eve.types': 'alert',
  'impetus-ui-graph.kinds': 'host:Host:#8a94a6\ncrown:Crown jewel:#e0a030',
};

const LEGACY_MAPPING = JSON.stringify([{ telegram: 777, user: SYSTEM_TEST_USER.username, role: 'supervisor' }]);

/**
 * A tab, a Telegram bot as flows made before the rename have it (the mapping under `users`), and
 * an exercise alert node as they have it (the status under `status`, which the editor uses for the
 * runtime status dot).
 */
function initialFlow(): object[] {
  return [
    { id: 'dlg-tab', type: 'tab', label: 'dialogs' },
    { id: 'legacy-bot', type: 'impetus-telegram', name: 'legacy bot', apiBase: `${NOWHERE}/legacy`, updates: 'none', users: LEGACY_MAPPING, ackRoles: 'supervisor', resolveRoles: 'supervisor', consoleUrl: '', timeZone: 'UTC' },
    { id: 'legacy-alert', type: 'impetus-alert', z: 'dlg-tab', name: 'exercise', tool: 'firearm', event: '', category: 'Security', severity: 'medium', urgency: 'Unknown', certainty: 'Unknown', status: 'Exercise', fingerprintKeys: '', x: 200, y: 760, wires: [[]] },
    { id: CTI_ALLOW_NODE, type: 'impetus-cti-match', z: 'dlg-tab', name: 'allow-list view', registerFrom: 'json', register: VALUES['impetus-cti-match.register'], registerFile: '', allowList: '[]', minLookalikeScore: 0.7, defaultTlp: 'amber', feedName: '', x: 200, y: 820, wires: [[], []] },
    { id: 'legacy-notify', type: 'impetus-telegram-notify', z: 'dlg-tab', name: 'legacy', connection: 'legacy-bot', rules: '[{"chats": ["-1"]}]', photo: true, location: true, video: false, x: 200, y: 700, wires: [[]] },
  ];
}

/** What a dialog's form holds, by field (property) name. */
type Form = Record<string, string | boolean>;

interface Edited {
  type: string;
  id: string;
  /** Fields that are credentials (text ones; passwords are never shown again): kept apart from the flow JSON. */
  credentials?: string[];
  /** The values set in the dialog, to be found everywhere afterwards. */
  values: Form;
  config?: Edited[];
}

describe('editor dialogs of every node (Chromium)', function () {
  this.timeout(600_000);
  let dir = '';
  let runtime: NodeRedProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let port = 0;
  let token = '';
  const consoleProblems: string[] = [];
  /** Fields the test could not give a valid value: VALUES needs an entry for each. */
  const unsettable: string[] = [];

  before(async function () {
    skipWithoutChromium(this);
    dir = tempDir('impetus-dialogs-');
    const userDir = path.join(dir, 'user');
    fs.mkdirSync(userDir);
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(initialFlow(), null, 2));
    fs.mkdirSync(path.join(userDir, 'impetus-cti-allow'));
    fs.writeFileSync(path.join(userDir, 'impetus-cti-allow', `${CTI_ALLOW_NODE}.json`), JSON.stringify(CONSOLE_ALLOWS));
    const settings = path.join(dir, 'settings.js');
    fs.writeFileSync(settings, settingsModule(runtimeSettings('editor-dialogs', {
      userDir,
      adminAuth: { type: 'credentials', users: [
        { username: ADMIN.username, password: bcrypt.hashSync(ADMIN.password, 4), permissions: '*' },
        { username: READER.username, password: bcrypt.hashSync(READER.password, 4), permissions: 'read' },
      ] },
      impetus: { instance: 'editor-dialogs' },
    })));
    port = await freePort();
    runtime = new NodeRedProcess({ userDir, port, settings, logFile: path.join(dir, 'node-red.log') });
    await runtime.waitForLog(/\[info\] Started flows/, READY_MS);
    const auth = await request(port, 'POST', '/auth/token', { body: { client_id: 'node-red-editor', grant_type: 'password', scope: '*', ...ADMIN } });
    assert.equal(auth.status, 200, `editor token: ${auth.status} ${auth.text}`);
    const tokens = JSON.parse(auth.text) as { access_token: string };
    token = tokens.access_token;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // The editor keeps its token in localStorage; giving it one skips the login form.
    await context.addInitScript((t) => localStorage.setItem('auth-tokens', JSON.stringify(t)), tokens);
    page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    page.on('console', (m) => {
      const text = m.text();
      if (m.type() === 'error' || /is internal and cannot be used|registerType/.test(text)) consoleProblems.push(`${m.type()}: ${text}`);
    });
    // Monaco (the dialogs' Description editor) throws "Model is disposed!" when a dialog closes
    // before it has finished loading: the editor's, not a node's, and harmless.
    page.on('pageerror', (e) => {
      if (!/Model is disposed/.test(String(e))) consoleProblems.push(String(e));
    });
  });

  after(async function () {
    await browser?.close();
    await runtime?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function openEditor(): Promise<void> {
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => {
      const RED = (window as unknown as { RED?: { nodes?: { getType(t: string): unknown }; workspaces?: { count(): number } } }).RED;
      return !!RED?.workspaces && RED.workspaces.count() > 0 && !!RED.nodes?.getType('impetus-alert') && !!document.querySelector('#red-ui-workspace-chart');
    }, undefined, { timeout: READY_MS });
  }

  async function deployedFlow(): Promise<Array<Record<string, unknown>>> {
    const res = await request(port, 'GET', '/flows', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', 'Node-RED-API-Version': 'v1' } });
    assert.equal(res.status, 200, `GET /flows: ${res.status}`);
    return JSON.parse(res.text) as Array<Record<string, unknown>>;
  }

  /**
   * Gives every field of the topmost dialog a value other than the one it shows and returns what
   * it now shows. Hidden inputs are left to the widgets that own them, except typedInputs; password
   * credentials are not read back by the editor, so they are left alone.
   */
  async function fillDialog(type: string, pickers: string[] = []): Promise<Form> {
    return page.evaluate(({ type, values, pickers }) => {
      const $ = (window as unknown as { $: JQueryStatic }).$;
      const RED = (window as unknown as { RED: { nodes: { getType(t: string): { credentials?: Record<string, { type: string }> } } } }).RED;
      const credentials = RED.nodes.getType(type).credentials ?? {};
      // The node's own form: not the footer's enable switch, nor the Description and Appearance tabs.
      const tray = $('.red-ui-tray').last().find('#dialog-form, #node-config-dialog-edit-form').first();
      // No form, no fields: say so rather than return an empty form that every check would pass.
      if (!tray.length) throw new Error(`${type}: the dialog has no form to fill`);
      const form: Record<string, string | boolean> = {};
      const missing: string[] = [];
      tray.find('input[id^="node-input-"], input[id^="node-config-input-"], select[id^="node-input-"], select[id^="node-config-input-"], textarea[id^="node-input-"], textarea[id^="node-config-input-"]').each((_i, el) => {
        const field = el.id.replace(/^node-(config-)?input-/, '');
        const $el = $(el);
        const typed = $el.data('noderedTypedInput') !== undefined;
        if (credentials[field]?.type === 'password') return;
        if (!typed && (el as HTMLInputElement).type === 'hidden') return;
        if (pickers.includes(field)) return; // a config node picker: set by adding one
        const current = typed ? String($el.typedInput('value')) : String($el.val() ?? '');
        let next: string | boolean;
        if ((el as HTMLInputElement).type === 'checkbox') {
          next = !(el as HTMLInputElement).checked;
          $el.prop('checked', next).trigger('change');
          form[field] = next;
          return;
        }
        if (el.tagName === 'SELECT') {
          const other = $el.find('option').toArray().map((o) => (o as HTMLOptionElement).value).find((v) => v !== current);
          if (other === undefined) return;
          next = other;
        } else if (values[`${type}.${field}`] !== undefined || values[field] !== undefined) {
          next = values[`${type}.${field}`] ?? values[field];
        } else if (current.trim() !== '' && Number.isFinite(Number(current))) {
          next = String(Number(current) + 1);
        } else if (/^https?:\/\//.test(current)) {
          next = 'http://127.0.0.1:9/dialog-test';
        } else if (/^\s*[[{]/.test(current)) {
          missing.push(`${type}.${field} holds JSON (${current.slice(0, 60)}): give it a valid changed value in VALUES`);
          return;
        } else {
          next = `dialog-${field}`;
        }
        if (typed) $el.typedInput('value', next);
        else $el.val(next).trigger('change').trigger('input');
        form[field] = typed ? String($el.typedInput('value')) : String($el.val());
      });
      return { form, missing };
    }, { type, values: VALUES, pickers }).then(({ form, missing }) => {
      unsettable.push(...missing);
      return form;
    });
  }

  /** What the topmost dialog shows for the given fields. */
  async function readDialog(fields: string[]): Promise<Form> {
    return page.evaluate((fields) => {
      const $ = (window as unknown as { $: JQueryStatic }).$;
      const tray = $('.red-ui-tray').last();
      const form: Record<string, string | boolean> = {};
      for (const field of fields) {
        const $el = tray.find(`#node-input-${field}, #node-config-input-${field}`).first();
        if (!$el.length) continue;
        const el = $el[0] as HTMLInputElement;
        form[field] = el.type === 'checkbox' ? el.checked : $el.data('noderedTypedInput') !== undefined ? String($el.typedInput('value')) : String($el.val());
      }
      return form;
    }, fields);
  }

  /**
   * Waits until the topmost dialog's form is built. Node-RED opens the tray with its buttons and
   * the footer's enable switch (`node-input-node-disabled`, which matches `[id^="node-input-"]`)
   * at once, but builds the form (fields, their values, oneditprepare) only once the node's
   * credentials have come back from the runtime: a node with credentials (camera, Telegram bot,
   * Kafka broker, TAXII server, ...) shows buttons without fields for as long as that request
   * takes. The form and everything in it are put in by one synchronous step, so a field inside
   * the form means the whole form is there.
   */
  async function formBuilt(config: boolean): Promise<void> {
    const tray = page.locator('.red-ui-tray').last();
    await tray.locator(config ? '#node-config-dialog-ok' : '#node-dialog-ok').waitFor();
    await tray.locator(config ? '#node-config-dialog-edit-form [id^="node-config-input-"]' : '#dialog-form [id^="node-input-"]').first().waitFor({ state: 'attached' });
    // The tray slides in from off-screen (RED.tray: right from minus its width to 0 over 0.25 s,
    // after two timers); a click before it has arrived can miss its button, as happened once to
    // a stacked config dialog's Add on a loaded machine. A user clicks what has arrived.
    await page.waitForFunction(() => {
      const trays = document.querySelectorAll('.red-ui-tray');
      const last = trays[trays.length - 1];
      return last !== undefined && getComputedStyle(last).right === '0px';
    });
  }

  async function openDialogOf(id: string): Promise<void> {
    const config = await page.evaluate((id) => {
      const RED = (window as unknown as { RED: { nodes: { node(id: string): unknown }; editor: { edit(n: unknown): void; editConfig(name: string, type: string, id: string): void } } }).RED;
      const n = RED.nodes.node(id) as { type: string; _def: { category: string } };
      if (n._def.category === 'config') RED.editor.editConfig('', n.type, id);
      else RED.editor.edit(n);
      return n._def.category === 'config';
    }, id);
    await formBuilt(config);
  }

  async function closeDialog(save: boolean, config: boolean): Promise<void> {
    const button = config ? (save ? '#node-config-dialog-ok' : '#node-config-dialog-cancel') : save ? '#node-dialog-ok' : '#node-dialog-cancel';
    const target = page.locator('.red-ui-tray').last().locator(button);
    await target.click();
    await page.locator(button).waitFor({ state: 'detached' }).catch(async (err) => {
      const shown = await page.locator('.red-ui-tray').last().innerText().catch(() => '');
      throw new Error(`the dialog did not close on ${button}: ${(err as Error).message}\n${shown.slice(0, 400)}`);
    });
  }

  /** Drags a node from the palette onto the workspace, as a user adds one; returns its id. */
  async function dragIn(type: string, x: number, y: number): Promise<string> {
    const before = await page.evaluate((type) => (window as unknown as { RED: { nodes: { filterNodes(f: object): Array<{ id: string }> } } }).RED.nodes.filterNodes({ type }).map((n) => n.id), type);
    // Found as a user finds it: typed into the palette's filter.
    await page.locator('#red-ui-palette-search input').fill(type);
    const item = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    await item.waitFor({ state: 'visible' });
    await item.scrollIntoViewIfNeeded();
    const box = (await item.boundingBox())!;
    const chart = (await page.locator('#red-ui-workspace-chart').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
    await page.mouse.up();
    const id = await page.waitForFunction(({ type, before }) => {
      const ids = (window as unknown as { RED: { nodes: { filterNodes(f: object): Array<{ id: string }> } } }).RED.nodes.filterNodes({ type }).map((n) => n.id);
      return ids.find((i) => !before.includes(i));
    }, { type, before }).catch((err) => {
      throw new Error(`${type} could not be dragged from the palette: ${(err as Error).message}`);
    });
    return (await id.jsonValue()) as string;
  }

  async function credentialFields(type: string): Promise<string[]> {
    return page.evaluate((type) => Object.keys((window as unknown as { RED: { nodes: { getType(t: string): { credentials?: object } } } }).RED.nodes.getType(type).credentials ?? {}), type);
  }

  /** The config node types a flow node's defaults refer to, by property. */
  async function configProperties(type: string): Promise<Array<{ field: string; type: string }>> {
    return page.evaluate((type) => {
      const RED = (window as unknown as { RED: { nodes: { getType(t: string): { defaults: Record<string, { type?: string }> } } } }).RED;
      return Object.entries(RED.nodes.getType(type).defaults).filter(([, d]) => d.type).map(([field, d]) => ({ field, type: d.type! }));
    }, type);
  }

  const flowTypes: string[] = [];
  const configTypes: string[] = [];
  const edited: Edited[] = [];

  it('registers every node type without a console warning, and knows which are config nodes', async () => {
    await openEditor();
    const categories = await page.evaluate((types) => types.map((t) => (window as unknown as { RED: { nodes: { getType(t: string): { category: string } | undefined } } }).RED.nodes.getType(t)?.category ?? 'missing'), ourTypes);
    ourTypes.forEach((t, i) => (categories[i] === 'config' ? configTypes : flowTypes).push(t));
    assert.deepEqual(ourTypes.filter((_t, i) => categories[i] === 'missing'), [], 'every type is in the editor');
    assert.deepEqual(consoleProblems, [], 'no console warnings or errors while the editor loads our nodes');
  });

  it('shows the settings of a flow made before users and status were renamed', async () => {
    await openDialogOf('legacy-bot');
    assert.equal((await readDialog(['chatUsers'])).chatUsers, LEGACY_MAPPING);
    await closeDialog(false, true);
    await openDialogOf('legacy-alert');
    assert.equal((await readDialog(['alertStatus'])).alertStatus, 'Exercise');
    await closeDialog(false, false);
  });

  it('sets every field of every dialog (config nodes through "add new"), deploys, and finds each value in the deployed flow', async () => {
    let slot = 0;
    for (const type of flowTypes) {
      const x = 150 + (slot % 4) * 260;
      const y = 60 + Math.floor(slot / 4) * 90;
      slot++;
      const id = await dragIn(type, x, y);
      await openDialogOf(id);
      const entry: Edited = { type, id, values: {}, config: [] };
      const pickers = await configProperties(type);
      for (const prop of pickers) {
        // The + next to the picker: "Add new <config type>", a stacked dialog.
        await page.locator('.red-ui-tray').last().locator(`#node-input-btn-${prop.field}-add`).click();
        await formBuilt(true);
        const values = await fillDialog(prop.type);
        await closeDialog(true, true);
        const configId = await page.evaluate((field) => String((window as unknown as { $: JQueryStatic }).$('.red-ui-tray').last().find(`#node-input-${field}`).val()), prop.field);
        assert.ok(configId && !configId.startsWith('_ADD_'), `${type}.${prop.field} picks the new ${prop.type}`);
        entry.config!.push({ type: prop.type, id: configId, values, credentials: await credentialFields(prop.type) });
        entry.values[prop.field] = configId;
        if (!configTypes.includes(prop.type)) configTypes.push(prop.type);
      }
      Object.assign(entry.values, await fillDialog(type, pickers.map((p) => p.field)));
      entry.credentials = await credentialFields(type);
      await closeDialog(true, false);
      edited.push(entry);
    }
    assert.deepEqual(unsettable, [], 'every field got a value');
    const configCovered = new Set(edited.flatMap((e) => e.config!.map((c) => c.type)));
    assert.deepEqual(configTypes.filter((t) => !configCovered.has(t)), [], 'every config node type was created from a dialog');

    // The values are valid ones: the editor accepts every node as it was set.
    const invalid = await page.evaluate((ids) => ids.map((id) => (window as unknown as { RED: { nodes: { node(id: string): { type: string; valid?: boolean; validationErrors?: string[] } } } }).RED.nodes.node(id))
      .filter((n) => !n.valid).map((n) => `${n.type}: ${(n.validationErrors ?? []).map((e) => `${e}=${JSON.stringify((n as unknown as Record<string, unknown>)[e])}`).join(', ')}`), edited.flatMap((e) => [e.id, ...e.config!.map((c) => c.id)]));
    assert.deepEqual(invalid, [], 'no node left invalid by the values set');
    // Each value is on the editor's node once the dialog closed.
    const all = edited.flatMap((e) => [e, ...e.config!]);
    for (const e of all) {
      const onNode = await page.evaluate(({ id, fields }) => {
        const n = (window as unknown as { RED: { nodes: { node(id: string): Record<string, unknown> } } }).RED.nodes.node(id);
        const credentials = (n.credentials ?? {}) as Record<string, unknown>;
        return Object.fromEntries(fields.map((f) => [f, f in credentials ? credentials[f] : n[f]]));
      }, { id: e.id, fields: Object.keys(e.values) });
      for (const [field, value] of Object.entries(e.values)) assert.equal(String(onNode[field]), String(value), `${e.type}.${field} kept by the dialog`);
    }

    await page.locator('#red-ui-header-button-deploy').click();
    const confirm = page.locator('.ui-dialog-buttonset button', { hasText: /Confirm deploy/ });
    await Promise.race([
      confirm.waitFor({ timeout: 5000 }).then(() => confirm.click()).catch(() => undefined),
      page.waitForFunction(() => !(window as unknown as { RED: { nodes: { dirty(): boolean } } }).RED.nodes.dirty(), undefined, { timeout: 5000 }).catch(() => undefined),
    ]);
    await page.waitForFunction(() => !(window as unknown as { RED: { nodes: { dirty(): boolean } } }).RED.nodes.dirty());

    const deployed = new Map((await deployedFlow()).map((n) => [n.id as string, n]));
    for (const e of all) {
      const n = deployed.get(e.id);
      assert.ok(n, `${e.type} ${e.id} deployed`);
      for (const [field, value] of Object.entries(e.values)) {
        // Credentials go to the runtime's encrypted credentials file, never into the flow.
        if (e.credentials?.includes(field)) assert.equal(n[field], undefined, `${e.type}.${field} is a credential, not in the flow JSON`);
        else assert.equal(String(n[field]), String(value), `${e.type}.${field} in the deployed flow`);
      }
    }
    // The mapping of the earlier flow went out under its new name.
    assert.equal(deployed.get('legacy-bot')?.chatUsers, LEGACY_MAPPING, 'the earlier flow\'s users kept as chatUsers');
    assert.equal(deployed.get('legacy-alert')?.alertStatus, 'Exercise', 'the earlier flow\'s status kept as alertStatus');
  });

  it('shows every value again after a reload, in every dialog', async () => {
    assert.ok(edited.length, 'the previous test edited the nodes');
    await openEditor();
    for (const e of edited.flatMap((x) => [x, ...x.config!])) {
      await openDialogOf(e.id);
      const shown = await readDialog(Object.keys(e.values));
      for (const [field, value] of Object.entries(e.values)) assert.equal(String(shown[field]), String(value), `${e.type}.${field} shown after the reload`);
      const config = ourTypes.includes(e.type) && configTypes.includes(e.type);
      await closeDialog(false, config);
    }
    assert.deepEqual(consoleProblems, [], 'no console warnings or errors in the editor');
  });
  it('impetus-cti-match: lists the false positives the console added, and removes one; the admin route needs Node-RED\'s permissions', async () => {
    const file = path.join(dir, 'user', 'impetus-cti-allow', `${CTI_ALLOW_NODE}.json`);
    const route = `/impetus-cti-match/${CTI_ALLOW_NODE}/allow-list`;
    const entry = `${route}?value=${encodeURIComponent(CONSOLE_ALLOWS[1].value)}&asset=portal`;
    // Without a token, nothing; with `read`, the list but no removal.
    assert.equal((await request(port, 'GET', route)).status, 401);
    assert.equal((await request(port, 'DELETE', entry)).status, 401);
    const auth = await request(port, 'POST', '/auth/token', { body: { client_id: 'node-red-editor', grant_type: 'password', scope: 'read', ...READER } });
    assert.equal(auth.status, 200, `reader token: ${auth.status} ${auth.text}`);
    const reader = { Authorization: `Bearer ${(JSON.parse(auth.text) as { access_token: string }).access_token}` };
    const listed = await request(port, 'GET', route, { headers: reader });
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual((JSON.parse(listed.text) as { entries: unknown[] }).entries, CONSOLE_ALLOWS);
    // Node-RED answers a permission it does not grant as it answers no token: 401.
    assert.equal((await request(port, 'DELETE', entry, { headers: reader })).status, 401);
    assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]).length, 2, 'the reader removed nothing');

    // The integrator's dialog: every entry with indicator, asset, reason, who, when and alert; the trash button removes one.
    await openEditor();
    await openDialogOf(CTI_ALLOW_NODE);
    const rows = page.locator('.red-ui-tray').last().locator('.impetus-cti-allow-table tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('.impetus-cti-allow-table tbody tr').length === 2);
    for (const [i, e] of CONSOLE_ALLOWS.entries()) {
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      assert.deepEqual(cells.slice(0, 6), [e.value, e.asset, e.reason, e.by, e.at, e.alertId]);
    }
    await rows.nth(1).locator('button').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.impetus-cti-allow-table tbody tr').length === 1);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), [CONSOLE_ALLOWS[0]], 'removed from the file at once, without a deploy');
    assert.equal(await rows.first().getAttribute('data-value'), CONSOLE_ALLOWS[0].value);
    await closeDialog(false, false);
    assert.deepEqual(consoleProblems, [], 'no console warnings or errors in the editor');
  });

  it('impetus-evacuation: the dialog checks the site as the runtime would, while it is typed; the check needs Node-RED\'s permissions', async () => {
    const route = '/impetus-evacuation/check-site';
    const body = { siteFile: 'padova-piazza-dei-signori.geojson' };
    assert.equal((await request(port, 'POST', route, { body })).status, 401);
    const auth = await request(port, 'POST', '/auth/token', { body: { client_id: 'node-red-editor', grant_type: 'password', scope: 'read', ...READER } });
    const reader = { Authorization: `Bearer ${(JSON.parse(auth.text) as { access_token: string }).access_token}` };
    assert.equal((await request(port, 'POST', route, { body, headers: reader })).status, 401, 'a reader may not check (it needs impetus-evacuation.write)');

    await openEditor();
    const id = await dragIn('impetus-evacuation', 100, 30);
    await openDialogOf(id);
    const check = page.locator('#impetus-evacuation-site-check');
    await page.waitForFunction(() => /✓ .*areas, .*exits/.test(document.getElementById('impetus-evacuation-site-check')?.textContent ?? ''));
    const site = { siteId: 's', name: 's', areas: [{ id: 'a', areaM2: 10 }], exits: [{ id: 'x' }], links: [{ id: 'd', kind: 'door', from: 'a', to: 'x', widthM: 2, wallWidthM: 1 }] };
    await page.locator('#node-input-siteJson').fill(JSON.stringify(site));
    await page.waitForFunction(() => /wider than its wall/.test(document.getElementById('impetus-evacuation-site-check')?.textContent ?? ''));
    assert.match(await check.getAttribute('class') ?? '', /impetus-evacuation-site-bad/);
    await closeDialog(false, false);
    assert.deepEqual(consoleProblems, [], 'no console warnings or errors in the editor');
  });
});
