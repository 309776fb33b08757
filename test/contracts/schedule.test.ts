// Due occurrences of contract obligations, in Europe/Paris time: month ends, leap years,
// daylight-saving changes, reminders and statuses.
import { describe, expect, it } from 'vitest';
import {
  addMonths,
  deadlineOf,
  dueDates,
  occurrenceStatus,
  parisDate,
  parisStartOfDay,
  reminderFor,
} from '../../app/domain/contracts/schedule';

describe('due dates from a frequency', () => {
  it('monthly from 31 January keeps the month end: 28/29 February, 31 March, 30 April', () => {
    expect(
      dueDates({
        startsOn: '2027-01-01',
        endsOn: '2027-05-31',
        frequency: 'monthly',
        firstDueOn: '2027-01-31',
      }),
    ).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31']);
    // 2028 is a leap year: 29 February.
    expect(
      dueDates({
        startsOn: '2028-01-01',
        endsOn: '2028-03-31',
        frequency: 'monthly',
        firstDueOn: '2028-01-31',
      }),
    ).toEqual(['2028-01-31', '2028-02-29', '2028-03-31']);
  });

  it('monthly by default falls one month after the start, clamped to short months', () => {
    expect(
      dueDates({ startsOn: '2026-12-31', endsOn: '2027-03-31', frequency: 'monthly' }),
    ).toEqual(['2027-01-31', '2027-02-28', '2027-03-31']);
  });

  it('yearly from 29 February falls on 28 February in common years, 29 in leap years', () => {
    expect(
      dueDates({
        startsOn: '2028-01-01',
        endsOn: '2032-12-31',
        frequency: 'yearly',
        firstDueOn: '2028-02-29',
      }),
    ).toEqual(['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
    expect(addMonths('2100-02-28', 0, 29)).toBe('2100-02-28'); // 2100 is not a leap year
    expect(addMonths('2000-01-29', 1)).toBe('2000-02-29'); // 2000 is
  });

  it('quarterly across a year end, and once (on the end date unless given)', () => {
    expect(
      dueDates({ startsOn: '2026-11-15', endsOn: '2027-11-15', frequency: 'quarterly' }),
    ).toEqual(['2027-02-15', '2027-05-15', '2027-08-15', '2027-11-15']);
    expect(dueDates({ startsOn: '2027-01-01', endsOn: '2027-06-30', frequency: 'once' })).toEqual([
      '2027-06-30',
    ]);
    expect(
      dueDates({
        startsOn: '2027-01-01',
        endsOn: '2027-06-30',
        frequency: 'once',
        firstDueOn: '2027-03-01',
      }),
    ).toEqual(['2027-03-01']);
  });

  it('a contract shorter than one period still owes one delivery, at its end', () => {
    expect(
      dueDates({ startsOn: '2027-01-10', endsOn: '2027-02-05', frequency: 'monthly' }),
    ).toEqual(['2027-02-05']);
  });

  it('explicit due dates are sorted and deduplicated', () => {
    expect(
      dueDates({
        startsOn: '2027-01-01',
        endsOn: '2027-12-31',
        dueDates: ['2027-09-01', '2027-03-01', '2027-09-01'],
      }),
    ).toEqual(['2027-03-01', '2027-09-01']);
  });
});

describe('Paris time', () => {
  it('a due date ends at Paris midnight: 23:00 UTC in winter, 22:00 UTC in summer', () => {
    expect(deadlineOf('2027-01-15').toISOString()).toBe('2027-01-15T23:00:00.000Z');
    expect(deadlineOf('2027-07-15').toISOString()).toBe('2027-07-15T22:00:00.000Z');
  });

  it('daylight-saving changes: the day before the spring change ends at 23:00 UTC, the day of it at 22:00 UTC', () => {
    // Summer time starts on 28 March 2027 at 02:00 (the day has 23 hours).
    expect(parisStartOfDay('2027-03-28').toISOString()).toBe('2027-03-27T23:00:00.000Z');
    expect(deadlineOf('2027-03-27').toISOString()).toBe('2027-03-27T23:00:00.000Z');
    expect(deadlineOf('2027-03-28').toISOString()).toBe('2027-03-28T22:00:00.000Z');
    // Winter time returns on 31 October 2027 at 03:00 (the day has 25 hours).
    expect(parisStartOfDay('2027-10-31').toISOString()).toBe('2027-10-30T22:00:00.000Z');
    expect(deadlineOf('2027-10-31').toISOString()).toBe('2027-10-31T23:00:00.000Z');
    expect(deadlineOf('2027-10-31').getTime() - parisStartOfDay('2027-10-31').getTime()).toBe(
      25 * 3_600_000,
    );
  });

  it('the Paris calendar day of an instant, around midnight and the changes', () => {
    expect(parisDate(new Date('2027-01-15T22:59:59Z'))).toBe('2027-01-15');
    expect(parisDate(new Date('2027-01-15T23:00:00Z'))).toBe('2027-01-16');
    expect(parisDate(new Date('2027-07-15T22:00:00Z'))).toBe('2027-07-16');
    expect(parisDate(new Date('2027-10-31T22:30:00Z'))).toBe('2027-10-31');
  });

  it('monthly occurrences across a DST change keep their calendar day (no hour drift)', () => {
    const dates = dueDates({ startsOn: '2027-02-28', endsOn: '2027-04-30', frequency: 'monthly' });
    expect(dates).toEqual(['2027-03-28', '2027-04-28']);
    expect(dates.map((d) => deadlineOf(d).toISOString())).toEqual([
      '2027-03-28T22:00:00.000Z',
      '2027-04-28T22:00:00.000Z',
    ]);
  });
});

describe('statuses and reminders', () => {
  const occ = (dueOn: string, extra: Partial<Parameters<typeof occurrenceStatus>[0]> = {}) => ({
    dueOn,
    deadline: deadlineOf(dueOn),
    fulfilledAt: null,
    onTime: null,
    submittedAt: null,
    ...extra,
  });

  it('upcoming, soon due (14 days), due on its last Paris minute, then overdue', () => {
    expect(occurrenceStatus(occ('2027-03-31'), new Date('2027-03-01T10:00:00Z'))).toBe('upcoming');
    expect(occurrenceStatus(occ('2027-03-31'), new Date('2027-03-17T10:00:00Z'))).toBe('soon_due');
    expect(occurrenceStatus(occ('2027-03-31'), new Date('2027-03-31T21:59:59Z'))).toBe('soon_due'); // 23:59:59 in Paris
    expect(occurrenceStatus(occ('2027-03-31'), new Date('2027-03-31T22:00:00Z'))).toBe('overdue');
  });

  it('a submitted delivery is not overdue; fulfilled says on time or late', () => {
    const now = new Date('2027-04-10T10:00:00Z');
    expect(
      occurrenceStatus(occ('2027-03-31', { submittedAt: new Date('2027-03-30T10:00:00Z') }), now),
    ).toBe('submitted');
    expect(occurrenceStatus(occ('2027-03-31', { fulfilledAt: now, onTime: true }), now)).toBe(
      'on_time',
    );
    expect(occurrenceStatus(occ('2027-03-31', { fulfilledAt: now, onTime: false }), now)).toBe(
      'late',
    );
  });

  it('reminders: from 7 days before, on the day, then one per week while overdue', () => {
    expect(reminderFor('2027-03-31', '2027-03-23')).toBeNull();
    expect(reminderFor('2027-03-31', '2027-03-24')).toBe('upcoming');
    expect(reminderFor('2027-03-31', '2027-03-30')).toBe('upcoming');
    expect(reminderFor('2027-03-31', '2027-03-31')).toBe('due_today');
    expect(reminderFor('2027-03-31', '2027-04-01')).toBe('overdue_0');
    expect(reminderFor('2027-03-31', '2027-04-07')).toBe('overdue_0');
    expect(reminderFor('2027-03-31', '2027-04-08')).toBe('overdue_1');
    // Calendar days, not 24-hour periods, across the spring change.
    expect(reminderFor('2027-03-28', '2027-03-21')).toBe('upcoming');
  });
});
