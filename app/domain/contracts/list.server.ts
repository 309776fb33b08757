// The contracts a public body's admins manage (every contract, for a platform admin): a
// paged list filtered by period status, public body, contractor and overdue due dates,
// with the filters in the query string so that a filtered list can be shared.
import { sql } from 'kysely';
import type { ExpressionBuilder } from 'kysely';
import { z } from 'zod';
import type { DB } from '#db/client';
import type { Database as Tables } from '#db/database';
import type { ContractActor } from './contracts.server';
import { SUBMITTED_STATES } from './fulfilment.server';
import { parisDate } from './schedule';

export const PAGE_SIZE = 25;
export const periodStatuses = ['en-cours', 'a-venir', 'termine'] as const;
export type PeriodStatus = 'active' | 'upcoming' | 'ended';

/** The list's query string (French names, like the transparency page's). */
export const contractListQuery = z.object({
  statut: z.enum(periodStatuses).optional().catch(undefined),
  organisme: z.string().trim().max(200).optional().catch(undefined),
  titulaire: z.string().trim().max(200).optional().catch(undefined),
  retard: z
    .enum(['1'])
    .optional()
    .catch(undefined)
    .transform((v) => v === '1'),
  page: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
});
export type ContractListFilters = z.infer<typeof contractListQuery>;

export function parseContractListQuery(params: URLSearchParams): ContractListFilters {
  const raw = Object.fromEntries([...params].filter(([, v]) => v !== ''));
  return contractListQuery.parse(raw);
}

export interface ContractListItem {
  id: string;
  reference: string;
  title: string;
  startsOn: string;
  endsOn: string;
  status: PeriodStatus;
  publicBody: { name: string; slug: string };
  contractor: { name: string; slug: string };
  obligations: number;
  overdue: number;
}

export interface ContractList {
  items: ContractListItem[];
  total: number;
  page: number;
  pages: number;
  publicBodies: { name: string; slug: string }[];
  contractors: { name: string; slug: string }[];
}

type K = ExpressionBuilder<Tables & { k: Tables['contract'] }, 'k'>;

/** Occurrences of the contract past their deadline, not fulfilled, with no delivery submitted. */
function overdueOccurrences(eb: K, now: Date) {
  return eb
    .selectFrom('obligation_occurrence as o')
    .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
    .whereRef('ob.contract_id', '=', 'k.id')
    .where('o.fulfilled_at', 'is', null)
    .where('o.deadline', '<=', now)
    .where((e) =>
      e.not(
        e.exists(
          e
            .selectFrom('obligation_delivery as d')
            .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
            .select('d.contribution_id')
            .whereRef('d.occurrence_id', '=', 'o.id')
            .where('c.state', 'in', [...SUBMITTED_STATES]),
        ),
      ),
    );
}

export async function listContracts(
  db: DB,
  actor: ContractActor,
  filters: ContractListFilters,
  now = new Date(),
): Promise<ContractList> {
  const today = parisDate(now);
  let base = db
    .selectFrom('contract as k')
    .innerJoin('organization as pb', 'pb.id', 'k.public_body_id')
    .innerJoin('organization as ct', 'ct.id', 'k.contractor_id');
  if (!actor.isAdmin)
    base = base.where((eb) =>
      eb.exists(
        eb
          .selectFrom('membership as m')
          .select('m.user_id')
          .whereRef('m.organization_id', '=', 'k.public_body_id')
          .where('m.user_id', '=', actor.id)
          .where('m.role', '=', 'admin'),
      ),
    );
  // The choices of the filters: everything the viewer manages, whatever is filtered.
  const [publicBodies, contractors] = await Promise.all([
    base.select(['pb.name', 'pb.slug']).distinct().orderBy('pb.name').execute(),
    base.select(['ct.name', 'ct.slug']).distinct().orderBy('ct.name').execute(),
  ]);
  let q = base;
  if (filters.organisme) q = q.where('pb.slug', '=', filters.organisme);
  if (filters.titulaire) q = q.where('ct.slug', '=', filters.titulaire);
  const day = sql<Date>`${today}::date`;
  if (filters.statut === 'en-cours')
    q = q.where('k.starts_on', '<=', day).where('k.ends_on', '>=', day);
  else if (filters.statut === 'a-venir') q = q.where('k.starts_on', '>', day);
  else if (filters.statut === 'termine') q = q.where('k.ends_on', '<', day);
  if (filters.retard)
    q = q.where((eb) => eb.exists(overdueOccurrences(eb as K, now).select('o.id')));

  const total = Number(
    (await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
  );
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(filters.page ?? 1, pages);
  const rows = await q
    .select([
      'k.id',
      'k.reference',
      'k.title',
      sql<string>`k.starts_on::text`.as('starts_on'),
      sql<string>`k.ends_on::text`.as('ends_on'),
      'pb.name as pb_name',
      'pb.slug as pb_slug',
      'ct.name as ct_name',
      'ct.slug as ct_slug',
      (eb) =>
        eb
          .selectFrom('contract_obligation as ob')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('ob.contract_id', '=', 'k.id')
          .as('obligations'),
      (eb) =>
        overdueOccurrences(eb as K, now)
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('overdue'),
    ])
    .orderBy('pb.name')
    .orderBy('k.starts_on', 'desc')
    .orderBy('k.reference')
    .orderBy('k.id')
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  return {
    items: rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      title: r.title,
      startsOn: r.starts_on,
      endsOn: r.ends_on,
      status: r.starts_on > today ? 'upcoming' : r.ends_on < today ? 'ended' : 'active',
      publicBody: { name: r.pb_name, slug: r.pb_slug },
      contractor: { name: r.ct_name, slug: r.ct_slug },
      obligations: Number(r.obligations ?? 0),
      overdue: Number(r.overdue ?? 0),
    })),
    total,
    page,
    pages,
    publicBodies,
    contractors,
  };
}
