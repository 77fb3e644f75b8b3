/**
 * Voice channel keys: `<kind>:<id>`, `alert:<alert id>` or `incident:<incident id>`. Who may join
 * a channel is decided here, in one place, by the rule of the thing the channel belongs to: for an
 * alert, whether the console shows that alert to the user (ConsoleRuntime.mayView, the rule of
 * every route); for an incident, whether the user sees at least one of its members (incidentFor,
 * the rule of the incident routes). A new kind is one more entry in KINDS.
 */
import type { Incident } from '../incidents/types';
import type { Alert } from '../model/types';
import { incidentFor } from './incident-view';
import type { SessionUser } from './sessions';
import type { View, Visible } from './views';

/** What the access rules need of the console runtime (kept structural: the runtime imports this file's users). */
export interface ChannelContext {
  platform: {
    store: { get(id: string): Promise<Alert | undefined> };
    incidents: { get(id: string): Promise<Incident | undefined> };
  };
  mayView(user: Pick<SessionUser, 'role'>, alert: Visible): boolean;
  viewFor(user: Pick<SessionUser, 'username' | 'role'>): View;
}

type KindAccess = (context: ChannelContext, user: SessionUser, id: string) => Promise<boolean>;

const KINDS: Record<string, KindAccess> = {
  alert: async (context, user, id) => {
    const alert = await context.platform.store.get(id);
    return alert !== undefined && context.mayView(user, alert);
  },
  incident: async (context, user, id) => incidentFor(context.viewFor(user), await context.platform.incidents.get(id)) !== undefined,
};

// The id part takes what an alert or incident id may hold (schemas/alert.schema.json: no space, comma, < or &),
// printable ASCII only.
const KEY = /^([a-z]{1,20}):([!-~]{1,200})$/;
const NOT_IN_ID = /[,<&]/;

export interface ChannelKey {
  kind: string;
  id: string;
}

/** The parts of a channel key, or undefined when it is malformed or of a kind nobody handles. */
export function parseChannel(key: unknown): ChannelKey | undefined {
  if (typeof key !== 'string') return undefined;
  const m = KEY.exec(key);
  if (!m || !Object.hasOwn(KINDS, m[1]) || NOT_IN_ID.test(m[2])) return undefined;
  return { kind: m[1], id: m[2] };
}

/** Whether this user may join (listen to, talk on, hear the recordings of) the channel. */
export async function mayJoin(context: ChannelContext, user: SessionUser, key: string): Promise<boolean> {
  const parsed = parseChannel(key);
  return parsed !== undefined && KINDS[parsed.kind](context, user, parsed.id);
}
