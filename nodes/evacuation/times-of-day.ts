/**
 * A site's named times of day (`timesOfDay` in the site file): wall-clock slots in the site's
 * time zone, such as "evening" 18:00–23:00, each with the people per area expected then or, if
 * not given, the crowd the occupancy history has learnt for those hours. The scenario library
 * plans each closure at each slot's crowd, and a live plan made within a slot is matched to it.
 */

export interface TimeOfDay {
  /** Short name, a letter first; it ends the slot's scenario ids (close:exit-a@evening). */
  name: string;
  /** "HH:MM", local time; `to` is not included and may be earlier than `from` (past midnight). */
  from: string;
  to: string;
  /** Expected people per area id in the slot; else the learnt profile is used. */
  people?: Record<string, number>;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of "HH:MM", or undefined when it is not a time of day. */
export function minuteOf(text: string): number | undefined {
  const m = HHMM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Whether the minute of the day falls in [from, to), the slot passing midnight when to < from. */
export function inSlot(minute: number, from: number, to: number): boolean {
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** The slot that local minute `minute` falls in, if any (slots do not overlap). */
export function slotAt(slots: readonly TimeOfDay[] | undefined, minute: number): TimeOfDay | undefined {
  return slots?.find((s) => inSlot(minute, minuteOf(s.from) as number, minuteOf(s.to) as number));
}

/** "evening (18:00–23:00)": how a guideline names its slot. */
export function slotLabel(slot: TimeOfDay): string {
  return `${slot.name} (${slot.from}–${slot.to})`;
}

/**
 * What the site schema cannot say about times of day: a time that is no HH:MM, an empty slot,
 * two slots with one name or sharing minutes, people in an area the site does not have, or more
 * of them than the area holds at `maxDensity`.
 */
export function timesOfDayProblems(slots: readonly TimeOfDay[], areas: ReadonlyMap<string, number>, maxDensity: number): string[] {
  const problems: string[] = [];
  const spans: Array<{ name: string; from: number; to: number }> = [];
  const names = new Set<string>();
  for (const s of slots) {
    const where = `time of day "${s.name}"`;
    if (names.has(s.name)) problems.push(`${where}: name already used by another time of day`);
    names.add(s.name);
    const from = minuteOf(s.from);
    const to = minuteOf(s.to);
    if (from === undefined) problems.push(`${where}: from "${s.from}" is not a time HH:MM (00:00–23:59)`);
    if (to === undefined) problems.push(`${where}: to "${s.to}" is not a time HH:MM (00:00–23:59)`);
    if (from !== undefined && to !== undefined) {
      if (from === to) problems.push(`${where}: from and to are both ${s.from}: the slot is empty`);
      else spans.push({ name: s.name, from, to });
    }
    for (const [area, n] of Object.entries(s.people ?? {})) {
      const m2 = areas.get(area);
      if (m2 === undefined) problems.push(`${where}: people in "${area}", which is no area of the site`);
      else if (n > maxDensity * m2) problems.push(`${where}: ${n} people in ${m2} m² of "${area}" is more than ${maxDensity} per m²`);
    }
  }
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      const [a, b] = [spans[i], spans[j]];
      // Two slots share a minute when either one's start falls inside the other.
      if (inSlot(a.from, b.from, b.to) || inSlot(b.from, a.from, a.to)) problems.push(`times of day "${a.name}" and "${b.name}" overlap`);
    }
  }
  return problems;
}
