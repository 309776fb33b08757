// Age badges count French working days: weekends and the eleven public holidays are skipped.
import { describe, expect, it } from 'vitest';
import { ageLevel, easterSunday, frenchPublicHolidays, isWorkingDay, overdueCutoffDay, parisDay, workingDaysBetween } from '../../app/domain/moderation/holidays';

describe('French public holidays', () => {
  it('computes Easter for known years', () => {
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2026)).toBe('2026-04-05');
    expect(easterSunday(2027)).toBe('2027-03-28');
  });

  it('lists the eleven holidays of 2026, movable ones included', () => {
    const h = frenchPublicHolidays(2026);
    expect(h.size).toBe(11);
    for (const d of ['2026-01-01', '2026-04-06', '2026-05-01', '2026-05-08', '2026-05-14', '2026-05-25', '2026-07-14', '2026-08-15', '2026-11-01', '2026-11-11', '2026-12-25']) {
      expect(h.has(d), d).toBe(true);
    }
  });

  it('counts working days, skipping weekends and holidays (Paris calendar days)', () => {
    expect(isWorkingDay('2026-11-11')).toBe(false); // Armistice, a Wednesday
    expect(isWorkingDay('2026-11-28')).toBe(false); // Saturday
    expect(isWorkingDay('2026-11-27')).toBe(true);
    // Friday 3 April 2026 -> Tuesday 7 April: Monday is Easter Monday, so one working day.
    expect(workingDaysBetween(new Date('2026-04-03T10:00:00Z'), new Date('2026-04-07T10:00:00Z'))).toBe(1);
    // Tuesday 10 Nov -> Friday 13 Nov 2026: Wednesday 11 is a holiday.
    expect(workingDaysBetween(new Date('2026-11-10T09:00:00Z'), new Date('2026-11-13T09:00:00Z'))).toBe(2);
    // 23:30 UTC on the 9th is already the 10th in Paris.
    expect(workingDaysBetween(new Date('2026-11-09T23:30:00Z'), new Date('2026-11-10T12:00:00Z'))).toBe(0);
    expect(workingDaysBetween(new Date('2026-11-27T09:00:00Z'), new Date('2026-11-27T18:00:00Z'))).toBe(0);
  });

  it('grades ages against the configured limit', () => {
    expect(ageLevel(0, 3)).toBe('fresh');
    expect(ageLevel(2, 3)).toBe('due');
    expect(ageLevel(3, 3)).toBe('due');
    expect(ageLevel(4, 3)).toBe('overdue');
  });
});

describe('the overdue cut-off the database filters on', () => {
  it('agrees with the working-day count for every hour of two months and every limit', () => {
    const now = new Date('2026-05-26T09:30:00+02:00'); // the day after Whit Monday
    for (const limit of [1, 2, 3, 5, 10]) {
      const cutoff = overdueCutoffDay(now, limit);
      for (let h = 0; h < 24 * 61; h += 3) {
        const at = new Date(now.getTime() - h * 3_600_000);
        const overdue = workingDaysBetween(at, now) > limit;
        expect(parisDay(at) < cutoff, `${at.toISOString()} limit ${limit}`).toBe(overdue);
      }
    }
  });
});
