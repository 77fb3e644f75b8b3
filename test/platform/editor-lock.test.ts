/**
 * lockEditor() on a settings object, as a settings file calls it: who may log in to the editor,
 * when an open editor is refused, and what it leaves of the integrator's own settings. The
 * runtime behaviour is test/system/editor-lock.test.ts and test/browser/editor-lock.test.ts.
 */
import assert from 'node:assert/strict';
import { isLoopback, lockEditor } from '../../nodes/platform/editor-lock';
import type { LockableSettings, consoleAdmins } from '../../nodes/platform/editor-lock';

const HASH = '$2b$04$zYuJcYXWSpvFn8YYuaZE2.nMoyWTHWhVPy22g4Sk5F1pyV9xCjys2';

describe('editor lock (settings)', () => {
  it('gives the editor to the console\'s admin users only, looked up at login', async () => {
    const settings: LockableSettings = {
      uiHost: '127.0.0.1',
      impetus: { users: { root: { role: 'admin', passwordHash: HASH }, olga: { role: 'operator', passwordHash: HASH } } },
    };
    lockEditor(settings);
    const auth = settings.adminAuth as ReturnType<typeof consoleAdmins>;
    assert.equal(auth.type, 'credentials');
    assert.deepEqual(await auth.users('root'), { username: 'root', password: HASH, permissions: '*' });
    assert.equal(await auth.users('olga'), null, 'an operator is no editor user');
    assert.equal(await auth.users('nobody'), null);
    assert.equal(await auth.users('__proto__'), null);
    // A user added after the settings were read (node-red -D impetus.users.<name>=…) counts.
    settings.impetus!.users!.late = { role: 'admin', passwordHash: HASH };
    assert.equal((await auth.users('late'))?.username, 'late');
  });

  it('keeps an adminAuth of the integrator\'s own, and their admin middleware after its guard', () => {
    const own = { type: 'credentials', users: [{ username: 'me', password: HASH, permissions: '*' }] };
    const mine = () => undefined;
    const settings = lockEditor({ uiHost: '0.0.0.0', adminAuth: own, httpAdminMiddleware: mine });
    assert.equal(settings.adminAuth, own);
    const chain = settings.httpAdminMiddleware as unknown as unknown[];
    assert.equal(chain.length, 2);
    assert.equal(chain[1], mine);
  });

  it('opens the editor (adminAuth: false) on a loopback host only, and refuses any other with a reason', () => {
    for (const uiHost of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
      const settings = lockEditor({ uiHost, adminAuth: false });
      assert.equal(settings.adminAuth, undefined, uiHost);
      assert.equal((settings.httpAdminMiddleware as unknown as unknown[]).length, 1, 'the origin and body guard stays');
    }
    for (const uiHost of ['0.0.0.0', '::', '192.168.1.10', 'impetus.example', '127.0.0.1.example', undefined]) {
      assert.throws(() => lockEditor({ uiHost, adminAuth: false }), /refusing to start: the Node-RED editor would be open to the network without authentication/, String(uiHost));
    }
    assert.equal(isLoopback(undefined), false, 'no uiHost: Node-RED listens on every interface');
  });
});
