import type { MessageStatus, Priority } from '../../platform';
import { ROLES } from '../../platform';
import { jsonArray } from './json-array';
import type { NoticeAlert } from './notice';

/**
 * One routing rule: which alerts go to which chats. Every criterion that is given must match;
 * one that is left out matches everything. `statuses` defaults to `Actual` only, so exercise
 * and test alerts reach a chat only where a rule asks for them.
 */
export interface RouteRule {
  name?: string;
  tools?: string[];
  priorities?: Priority[];
  zones?: string[];
  statuses?: MessageStatus[];
  /** True: the rule is for escalations (a separate message when nobody acknowledged in time). */
  escalated?: boolean;
  /** With `escalated`: from which level on. Default 1. */
  minLevel?: number;
  chats?: string[];
  /**
   * Every mapped user whose console user has one of these roles, and whose role view shows the
   * alert, gets it in a direct chat.
   */
  roles?: string[];
}

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
const STATUSES = ['Actual', 'Exercise', 'Test'];
const KEYS = ['name', 'tools', 'priorities', 'zones', 'statuses', 'escalated', 'minLevel', 'chats', 'roles'];

function stringList(value: unknown, what: string, allowed?: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list)) throw new TypeError(`${what} must be a list`);
  const out = list.map((v) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`${what} must hold strings`);
    return String(v).trim();
  }).filter(Boolean);
  if (allowed) for (const v of out) if (!allowed.includes(v)) throw new TypeError(`${what}: unknown value ${v} (use ${allowed.join(', ')})`);
  return out;
}

/** Parses the rules of a notifier node (JSON text or an array), naming the rule and field at fault. */
export function parseRules(raw: unknown): RouteRule[] {
  return jsonArray(raw, 'the routing rules').map((r, i) => {
    const where = `routing rule ${i + 1}`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new TypeError(`${where} must be an object`);
    for (const key of Object.keys(r)) if (!KEYS.includes(key)) throw new TypeError(`${where}: unknown field ${key} (fields: ${KEYS.join(', ')})`);
    const rule: RouteRule = {};
    if (r.name !== undefined) rule.name = String(r.name);
    const tools = stringList(r.tools, `${where}.tools`);
    if (tools) rule.tools = tools;
    const priorities = stringList(r.priorities, `${where}.priorities`, PRIORITIES);
    if (priorities) rule.priorities = priorities as Priority[];
    const zones = stringList(r.zones, `${where}.zones`);
    if (zones) rule.zones = zones;
    const statuses = stringList(r.statuses, `${where}.statuses`, STATUSES);
    if (statuses) rule.statuses = statuses as MessageStatus[];
    if (r.escalated !== undefined) {
      if (typeof r.escalated !== 'boolean') throw new TypeError(`${where}.escalated must be true or false`);
      rule.escalated = r.escalated;
    }
    if (r.minLevel !== undefined) {
      if (!Number.isInteger(r.minLevel) || r.minLevel < 1) throw new TypeError(`${where}.minLevel must be a whole number from 1`);
      rule.minLevel = r.minLevel;
    }
    const chats = stringList(r.chats, `${where}.chats`);
    if (chats) rule.chats = chats;
    const roles = stringList(r.roles, `${where}.roles`, [...ROLES]);
    if (roles) rule.roles = roles;
    if (!rule.chats?.length && !rule.roles?.length) throw new TypeError(`${where} sends nowhere: give chats or roles`);
    return rule;
  });
}

function matches(list: string[] | undefined, value: string | undefined): boolean {
  return !list || list.length === 0 || (value !== undefined && list.includes(value));
}

/**
 * The chats an alert goes to. Silenced alerts go nowhere: a silence means nobody is to be told.
 * `escalationLevel` selects the escalation rules instead of the ordinary ones.
 */
export function route(alert: NoticeAlert, rules: RouteRule[], chatsForRoles: (roles: string[]) => string[], escalationLevel?: number): string[] {
  if (alert.silenced) return [];
  const chats = new Set<string>();
  for (const rule of rules) {
    const escalation = escalationLevel !== undefined;
    if (Boolean(rule.escalated) !== escalation) continue;
    if (escalation && escalationLevel! < (rule.minLevel ?? 1)) continue;
    if (!matches(rule.tools, alert.tool)) continue;
    if (!matches(rule.priorities, alert.priority)) continue;
    if (!matches(rule.zones, alert.zone)) continue;
    if (!matches(rule.statuses ?? ['Actual'], alert.status)) continue;
    for (const chat of rule.chats ?? []) chats.add(chat);
    if (rule.roles?.length) for (const chat of chatsForRoles(rule.roles)) chats.add(chat);
  }
  return [...chats];
}
