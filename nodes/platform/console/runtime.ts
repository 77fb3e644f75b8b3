/**
 * The console's state inside one runtime: role views, sessions, login back-off, the alert index
 * behind the tiles, the dashboard panels and the live hub. One per Platform, created on first use.
 */
import type { ActionRequest } from '../alert-service';
import type { Alert } from '../model/types';
import type { Platform, PlatformLog } from '../platform';
import { AlertIndex } from './alert-index';
import type { HubOptions } from './hub';
import { LiveHub } from './hub';
import { LoginThrottle } from './login-throttle';
import { PanelRegistry } from './panels';
import type { Session, SessionUser } from './sessions';
import { SessionStore } from './sessions';
import type { Role } from './settings';
import type { View, Visible } from './views';
import { canSee, checkAction, clearanceOf, loadViews } from './views';
import { VoiceHub } from './voice';
import { mayJoin } from './voice-channels';

export class ConsoleRuntime {
  readonly views: ReadonlyMap<Role, View>;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly index: AlertIndex;
  readonly panels: PanelRegistry;
  readonly hub: LiveHub;
  /** Push-to-talk channels: signalling, floor and recordings (voice.ts). */
  readonly voice: VoiceHub;
  /** Resolves once the tiles' index is loaded (or failed to); for tests and the benchmark. */
  readonly ready: Promise<void>;
  private unsubscribe: (() => void) | undefined;

  constructor(readonly platform: Platform, log: PlatformLog, hubOptions: Partial<HubOptions> = {}) {
    const settings = platform.settings.console;
    this.index = new AlertIndex({ onError: (err) => log.warn(`console: recounting open alerts failed: ${err.message}`) });
    this.views = loadViews(platform.validators, settings.viewsDir);
    this.sessions = new SessionStore({ idleMs: settings.session.idleMs, absoluteMs: settings.session.absoluteMs, maxSessions: settings.session.maxSessions });
    this.throttle = new LoginThrottle(settings.session.backoff);
    this.panels = new PanelRegistry((panel) => this.hub.panelChanged(panel.state.tile !== undefined));
    this.hub = new LiveHub({ index: this.index, panels: this.panels, viewFor: (user) => this.viewFor(user), alive: (s) => this.sessions.keepAlive(s) }, hubOptions);
    this.sessions.onEnd((session) => this.hub.endSession(session));
    this.voice = new VoiceHub({ settings: settings.voice, access: (user, channel) => mayJoin(this, user, channel), log });
    this.ready = platform.ready.then(async () => {
      // Subscribed before loading: the index holds events that arrive during the load.
      const offBus = platform.bus.subscribe((event) => this.hub.publish(event));
      // Incident-only changes (ticks, comments, moves, actions on it) have no alert event of their own.
      const offIncidents = platform.incidents.onChange((incident) => this.hub.publishIncident(incident));
      this.unsubscribe = () => {
        offBus();
        offIncidents();
      };
      await this.index.load(platform.store);
    }).catch((err) => log.warn(`console: alert index not loaded: ${(err as Error).message}`));
  }

  viewOf(role: Role): View {
    const view = this.views.get(role);
    if (!view) throw new Error(`no view for role ${role}`);
    return view;
  }

  private readonly clearedViews = new Map<string, View>();

  /**
   * The view a console user works in: their role's, with their own TLP clearance when the
   * settings give them one. Users of one role and clearance share one view object, so the live
   * hub still builds one frame for all of them.
   */
  viewFor(user: Pick<SessionUser, 'username' | 'role'>): View {
    const view = this.viewOf(user.role);
    const tlp = this.platform.settings.console.users.get(user.username)?.tlp;
    if (tlp === undefined || tlp === clearanceOf(view)) return view;
    const key = `${user.role}\u0000${tlp}`;
    let cleared = this.clearedViews.get(key);
    if (!cleared) this.clearedViews.set(key, (cleared = { ...view, tlp }));
    return cleared;
  }

  /** The console user of that name as the settings define it; undefined when there is none. */
  user(username: string): SessionUser | undefined {
    const user = this.platform.settings.console.users.get(username);
    return user ? { username, name: user.name, role: user.role } : undefined;
  }

  /**
   * Whether the console shows this alert to a console user (views.canSee, the rule of every
   * route, TLP clearance included). The chat notifiers ask it before anything goes to a person's
   * direct chat, so no chat message carries an alert its reader could not open in the console.
   */
  mayView(user: Pick<SessionUser, 'username' | 'role'>, alert: Visible): boolean {
    return canSee(this.viewFor(user), alert);
  }

  /**
   * An operator action as a console user, with the checks of every route that acts: the alert
   * must be in the user's view and the role allowed the action (views.checkAction; an
   * ActionRefusedError otherwise). The HTTP API and the chat notifiers both act through here,
   * so a chat account can never do more than its console user could in the console.
   */
  async act(user: Pick<SessionUser, 'username' | 'role'>, request: Omit<ActionRequest, 'by'>): Promise<Alert> {
    checkAction(this.viewFor(user), await this.platform.store.get(request.alertId), request.alertId, request.action);
    return this.platform.alerts.act({ ...request, by: user.username });
  }

  /**
   * A session without a password, for trusted code in this process: tests, embedders that
   * authenticate users themselves. Never reachable over HTTP.
   */
  openSession(user: SessionUser): Session {
    this.viewFor(user);
    return this.sessions.create(user);
  }

  close(): void {
    this.unsubscribe?.();
    this.index.close();
    this.hub.close();
    this.voice.close();
  }
}

const runtimes = new WeakMap<Platform, ConsoleRuntime>();

/** The console of a platform; the first call creates it (and fails if a role view is invalid). */
export function consoleOf(platform: Platform, log: PlatformLog = console): ConsoleRuntime {
  let runtime = runtimes.get(platform);
  if (!runtime) {
    const created = new ConsoleRuntime(platform, log);
    runtimes.set(platform, created);
    platform.onClose(() => created.close());
    runtime = created;
  }
  return runtime;
}
