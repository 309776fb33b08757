// Due dates of contract obligations, in Europe/Paris time. A due date is a calendar day
// ('YYYY-MM-DD'); its deadline is the instant that day ends in Paris (the next midnight,
// 23:00 or 22:00 UTC depending on daylight saving). Calendar arithmetic is done on dates,
// never by adding hours, so daylight-saving changes cannot shift a day. Intl gives the
// Paris offset: no date library needed. Pure functions, safe for the browser.

export const TIME_ZONE = 'Europe/Paris';
export const frequencies = ['once', 'monthly', 'quarterly', 'yearly'] as const;
export type Frequency = (typeof frequencies)[number];

const MONTHS: Record<Exclude<Frequency, 'once'>, number> = { monthly: 1, quarterly: 3, yearly: 12 };
/** A contract longer than this is refused (and the expansion stays small). */
export const MAX_OCCURRENCES = 400;

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(s: string): boolean {
  const m = ISO.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function parts(s: string): [number, number, number] {
  const m = ISO.exec(s);
  if (!m) throw new Error(`not a date: ${s}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const fmt = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(y: number, m: number): number {
  return [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

/**
 * `months` calendar months after `date`, on the same day of the month, or the month's last
 * day when it is shorter (31 January + 1 month = 28 or 29 February). `anchorDay` keeps the
 * original day across short months (31 Jan → 29 Feb → 31 Mar, not 29 Mar).
 */
export function addMonths(date: string, months: number, anchorDay?: number): string {
  const [y, m, d] = parts(date);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  return fmt(ny, nm, Math.min(anchorDay ?? d, daysInMonth(ny, nm)));
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  const t = new Date(Date.UTC(y, m - 1, d) + days * 86_400_000);
  return fmt(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Whole calendar days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  const [ya, ma, da] = parts(a);
  const [yb, mb, db] = parts(b);
  return Math.round((Date.UTC(yb, mb - 1, db) - Date.UTC(ya, ma - 1, da)) / 86_400_000);
}

const dayFormatter = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const offsetFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** The calendar day in Paris at an instant. */
export function parisDate(at: Date): string {
  return dayFormatter.format(at);
}

/** Paris's offset from UTC at an instant, in minutes (60 in winter, 120 in summer). */
export function parisOffsetMinutes(at: Date): number {
  const p = Object.fromEntries(offsetFormatter.formatToParts(at).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** The instant a Paris calendar day begins (midnight is never skipped by French DST changes). */
export function parisStartOfDay(date: string): Date {
  const [y, m, d] = parts(date);
  const naive = Date.UTC(y, m - 1, d);
  // Two rounds: the offset at the guess, then at the corrected instant.
  let t = naive - parisOffsetMinutes(new Date(naive)) * 60_000;
  t = naive - parisOffsetMinutes(new Date(t)) * 60_000;
  return new Date(t);
}

/** The deadline of a due date: the instant the day ends in Paris. */
export function deadlineOf(dueOn: string): Date {
  return parisStartOfDay(addDays(dueOn, 1));
}

export interface ScheduleInput {
  startsOn: string;
  endsOn: string;
  frequency?: Frequency | null;
  /** For a frequency: the first due date (default: one period after the start). */
  firstDueOn?: string | null;
  /** Explicit due dates (instead of a frequency). */
  dueDates?: string[];
}

/**
 * The due dates of an obligation, sorted and unique. A frequency gives one occurrence per
 * period from the first due date (default: one period after the contract starts) up to
 * the contract's end; when no period fits, one occurrence on the end date. `once` without
 * a first due date is due when the contract ends. Explicit dates are taken as they are.
 */
export function dueDates(input: ScheduleInput): string[] {
  const out = new Set<string>(input.dueDates ?? []);
  const f = input.frequency;
  if (f === 'once') {
    out.add(input.firstDueOn ?? input.endsOn);
  } else if (f) {
    const step = MONTHS[f];
    const first = input.firstDueOn ?? addMonths(input.startsOn, step);
    const anchorDay = parts(first)[2];
    let added = 0;
    for (let k = 0; ; k++) {
      const due = addMonths(first, k * step, anchorDay);
      if (due > input.endsOn || k > MAX_OCCURRENCES) break;
      out.add(due);
      added++;
    }
    if (added === 0 && !input.firstDueOn) out.add(input.endsOn);
  }
  return [...out].sort();
}

export type OccurrenceStatus =
  'upcoming' | 'soon_due' | 'overdue' | 'submitted' | 'on_time' | 'late';
/** An occurrence is "soon due" this many days before its due date. */
export const SOON_DUE_DAYS = 14;

/**
 * Where an occurrence stands at `now`: fulfilled (on time or late), a delivery submitted
 * and awaiting moderation, overdue (deadline passed, nothing submitted), soon due, upcoming.
 */
export function occurrenceStatus(
  o: {
    dueOn: string;
    deadline: Date;
    fulfilledAt: Date | null;
    onTime: boolean | null;
    submittedAt: Date | null;
  },
  now: Date,
): OccurrenceStatus {
  if (o.fulfilledAt) return o.onTime ? 'on_time' : 'late';
  if (o.submittedAt) return 'submitted';
  if (now.getTime() >= o.deadline.getTime()) return 'overdue';
  return daysBetween(parisDate(now), o.dueOn) <= SOON_DUE_DAYS ? 'soon_due' : 'upcoming';
}

export type ReminderKind = 'upcoming' | 'due_today' | `overdue_${number}`;

/**
 * The reminder owed today (Paris calendar) for an open occurrence with nothing submitted:
 * from 7 days before the due date (sent once), on the day, and once a week while overdue
 * (the first on the day after the due date). A missed run catches up the next day.
 */
export function reminderFor(dueOn: string, today: string): ReminderKind | null {
  const days = daysBetween(dueOn, today); // negative before the due date
  if (days < -7) return null;
  if (days < 0) return 'upcoming';
  if (days === 0) return 'due_today';
  return `overdue_${Math.floor((days - 1) / 7)}`;
}
