// French public holidays (métropole) and working days between two instants, for the age
// badges of the moderation queue. Pure functions, safe for the browser. Dates are read as
// calendar days in Europe/Paris.

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm), as "YYYY-MM-DD". */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const dayMs = 86_400_000;
const toUtc = (iso: string) => Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)));
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const cache = new Map<number, Set<string>>();

/** The eleven public holidays of metropolitan France in a year, as "YYYY-MM-DD". */
export function frenchPublicHolidays(year: number): Set<string> {
  const hit = cache.get(year);
  if (hit) return hit;
  const easter = toUtc(easterSunday(year));
  const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((md) => `${year}-${md}`);
  const moving = [1, 39, 50].map((offset) => fromUtc(easter + offset * dayMs)); // Easter Monday, Ascension, Whit Monday
  const set = new Set([...fixed, ...moving]);
  cache.set(year, set);
  return set;
}

/** The calendar day of an instant in Paris, "YYYY-MM-DD". */
let parisFormat: Intl.DateTimeFormat | undefined;
export function parisDay(at: Date): string {
  // One formatter, reused: building one costs far more than formatting with it.
  parisFormat ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });
  return parisFormat.format(at);
}

export function isWorkingDay(isoDay: string): boolean {
  const weekday = new Date(toUtc(isoDay)).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !frenchPublicHolidays(Number(isoDay.slice(0, 4))).has(isoDay);
}

/**
 * Working days elapsed from `from` to `to`: the working days after the day of `from`, up to
 * and including the day of `to`. Submitted on a Friday, it is 1 working day old on Monday
 * (0 if that Monday is Easter Monday).
 */
export function workingDaysBetween(from: Date, to: Date): number {
  const start = toUtc(parisDay(from));
  const end = toUtc(parisDay(to));
  let n = 0;
  // Bounded: a queue item is not decades old; cap the walk at 20 years.
  for (let d = start + dayMs, i = 0; d <= end && i < 7305; d += dayMs, i++) if (isWorkingDay(fromUtc(d))) n++;
  return n;
}

export type AgeLevel = 'fresh' | 'due' | 'overdue';

/** Overdue after `overdueAfter` working days; due on the last working day before that. */
export function ageLevel(workingDays: number, overdueAfter: number): AgeLevel {
  if (workingDays > overdueAfter) return 'overdue';
  if (workingDays >= Math.max(overdueAfter - 1, 1)) return 'due';
  return 'fresh';
}

/**
 * The first Paris day whose start is no longer overdue: an item is overdue at `now` (more
 * than `overdueAfter` working days old, as `workingDaysBetween` counts them) exactly when it
 * dates from before that day began. Lets the database filter overdue items itself.
 */
export function overdueCutoffDay(now: Date, overdueAfter: number): string {
  let d = toUtc(parisDay(now));
  let n = 0;
  for (let i = 0; i < 7305; i++, d -= dayMs) {
    if (isWorkingDay(fromUtc(d))) n++;
    if (n > overdueAfter) return fromUtc(d);
  }
  return fromUtc(d);
}
