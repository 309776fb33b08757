// Public moderation statistics, per month (Paris time), computed from the append-only
// moderation events: items decided, approvals, rejections, requests for changes, the
// median and 90th percentile time from first submission to first decision, rejections
// by reason, approvals that came after a request for changes, retractions. Aggregates
// only: nothing here names anyone.
import { sql } from 'kysely';
import type { DB } from '#db/client';

export interface MonthStats {
  month: string;
  decided: number;
  approved: number;
  rejected: number;
  changesRequested: number;
  /** Hours from first submission to first decision, for items first decided that month. */
  medianHours: number | null;
  p90Hours: number | null;
  approvedAfterChanges: number;
  retracted: number;
}

export interface ReasonStats {
  month: string;
  reason: string;
  count: number;
}

export async function moderationStatistics(db: DB, opts: { months?: number } = {}): Promise<{ months: MonthStats[]; reasons: ReasonStats[] }> {
  const months = Math.min(Math.max(opts.months ?? 24, 1), 120);
  const since = sql`date_trunc('month', now() at time zone 'Europe/Paris') - make_interval(months => ${months - 1})`;
  const monthOf = (col: string) => sql<string>`to_char(date_trunc('month', ${sql.ref(col)} at time zone 'Europe/Paris'), 'YYYY-MM')`;
  const rows = await sql<{
    month: string;
    decided: number;
    approved: number;
    rejected: number;
    changes_requested: number;
    approved_after_changes: number;
    retracted: number;
  }>`
    select ${monthOf('e.created_at')} as month,
      count(distinct e.contribution_id) filter (where e.action in ('approve', 'reject', 'request_changes', 'auto_approve')) as decided,
      count(*) filter (where e.action in ('approve', 'auto_approve') and e.to_state = 'approved') as approved,
      count(*) filter (where e.action = 'reject') as rejected,
      count(*) filter (where e.action = 'request_changes') as changes_requested,
      count(*) filter (where e.action = 'approve' and e.to_state = 'approved' and exists (
        select 1 from moderation_event p where p.contribution_id = e.contribution_id and p.action = 'request_changes' and p.id < e.id)) as approved_after_changes,
      count(*) filter (where e.action = 'retract') as retracted
    from moderation_event e
    where e.created_at at time zone 'Europe/Paris' >= ${since}
      and e.action in ('approve', 'auto_approve', 'reject', 'request_changes', 'retract')
    group by 1
    order by 1 desc`.execute(db);
  const delays = await sql<{ month: string; median: number | null; p90: number | null }>`
    with first_decision as (
      select distinct on (e.contribution_id) e.contribution_id, e.created_at as decided_at
      from moderation_event e
      where e.action in ('approve', 'auto_approve', 'reject', 'request_changes')
      order by e.contribution_id, e.id
    ), first_submit as (
      select contribution_id, min(created_at) as submitted_at from moderation_event where action = 'submit' group by contribution_id
    )
    select ${monthOf('d.decided_at')} as month,
      percentile_cont(0.5) within group (order by extract(epoch from d.decided_at - s.submitted_at) / 3600) as median,
      percentile_cont(0.9) within group (order by extract(epoch from d.decided_at - s.submitted_at) / 3600) as p90
    from first_decision d join first_submit s using (contribution_id)
    where d.decided_at at time zone 'Europe/Paris' >= ${since}
    group by 1`.execute(db);
  const reasons = await sql<{ month: string; reason: string; count: number }>`
    select ${monthOf('e.created_at')} as month, coalesce(e.reason_code, 'other') as reason, count(*) as count
    from moderation_event e
    where e.action = 'reject' and e.created_at at time zone 'Europe/Paris' >= ${since}
    group by 1, 2
    order by 1 desc, 3 desc, 2`.execute(db);
  const round = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);
  return {
    months: rows.rows.map((r) => {
      const d = delays.rows.find((x) => x.month === r.month);
      return {
        month: r.month,
        decided: Number(r.decided),
        approved: Number(r.approved),
        rejected: Number(r.rejected),
        changesRequested: Number(r.changes_requested),
        medianHours: round(d?.median),
        p90Hours: round(d?.p90),
        approvedAfterChanges: Number(r.approved_after_changes),
        retracted: Number(r.retracted),
      };
    }),
    reasons: reasons.rows.map((r) => ({ month: r.month, reason: r.reason, count: Number(r.count) })),
  };
}

const csvCell = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  // Quoted when needed; a leading formula character is neutralised for spreadsheets.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",;\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The same figures as CSV: one row per month, then one column per rejection reason. */
export function statisticsCsv(stats: { months: MonthStats[]; reasons: ReasonStats[] }, reasonCodes: readonly string[]): string {
  const header = [
    'month',
    'decided',
    'approved',
    'rejected',
    'changes_requested',
    'median_hours_to_first_decision',
    'p90_hours_to_first_decision',
    'approved_after_changes',
    'retracted',
    ...reasonCodes.map((r) => `rejected_${r}`),
  ];
  const lines = [header.join(',')];
  for (const m of stats.months) {
    const byReason = reasonCodes.map((r) => stats.reasons.find((x) => x.month === m.month && x.reason === r)?.count ?? 0);
    lines.push(
      [m.month, m.decided, m.approved, m.rejected, m.changesRequested, m.medianHours, m.p90Hours, m.approvedAfterChanges, m.retracted, ...byReason].map(csvCell).join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
