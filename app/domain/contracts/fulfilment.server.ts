// Fulfilment of contract obligations. The contractor links a contribution (a delivery) to an
// occurrence; publication of that contribution fulfils the occurrence, in the publication's
// transaction: on time when the contribution was first submitted by the deadline (time
// spent in moderation does not count), with a ledger credit for the contractor. A rejected
// or withdrawn delivery leaves the occurrence open; a second delivery published after the
// first is an ordinary dataset update.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendLedgerEntry } from '../reputation/ledger.server';
import type { LedgerTransaction } from '../reputation/ledger.server';
import type { Translate } from '../contributions/contributions.schema';
import { fieldErrorsOf } from './contracts.server';
import { linkDeliverySchema } from './contracts.schema';
import { occurrenceStatus, parisDate } from './schedule';
import type { OccurrenceStatus } from './schedule';

export type DeliveryErrorCode =
  | 'invalid'
  | 'not_found'
  | 'foreign_obligation'
  | 'foreign_contribution'
  | 'wrong_kind'
  | 'wrong_dataset'
  | 'not_linkable'
  | 'already_linked'
  | 'already_fulfilled'
  | 'no_open_occurrence';

export class DeliveryError extends Error {
  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

/** Contribution states in which a delivery counts as submitted (awaiting a decision, or done). */
export const SUBMITTED_STATES = [
  'submitted',
  'in_review',
  'second_review',
  'approved',
  'changes_requested',
  'published',
] as const;
/** States from which a contribution may still be linked to an occurrence. */
const LINKABLE_STATES = [
  'draft',
  'submitted',
  'in_review',
  'second_review',
  'approved',
  'changes_requested',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function isMember(db: DB, userId: string, organizationId: string): Promise<boolean> {
  const m = await db
    .selectFrom('membership')
    .select('role')
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return Boolean(m);
}

export interface LinkResult {
  occurrenceId: string;
  dueOn: string;
  contributionId: string;
}

/**
 * Links a contribution to an occurrence of an obligation (the given due date, or the
 * earliest open one). The actor is a member of the contractor organisation; the
 * contribution is theirs or their organisation's, never another organisation's.
 */
export async function linkDelivery(
  db: DB,
  actor: { id: string },
  obligationId: string,
  raw: unknown,
  t: Translate,
): Promise<LinkResult> {
  const parsed = linkDeliverySchema(t).safeParse(raw);
  if (!parsed.success)
    throw new DeliveryError('invalid', 'invalid delivery', fieldErrorsOf(parsed.error));
  const input = parsed.data;
  if (!UUID.test(obligationId)) throw new DeliveryError('not_found', 'no such obligation');
  return db.transaction().execute(async (trx) => {
    const ob = await trx
      .selectFrom('contract_obligation as ob')
      .innerJoin('contract as k', 'k.id', 'ob.contract_id')
      .select(['ob.id', 'ob.dataset_id', 'k.contractor_id'])
      .where('ob.id', '=', obligationId)
      .executeTakeFirst();
    if (!ob) throw new DeliveryError('not_found', 'no such obligation');
    if (!(await isMember(trx, actor.id, ob.contractor_id))) {
      throw new DeliveryError(
        'foreign_obligation',
        'this obligation belongs to another organisation',
        { form: [t('contracts:errors.foreignObligation')] },
      );
    }
    const c = await trx
      .selectFrom('contribution')
      .select(['id', 'kind', 'state', 'submitter_id', 'organization_id', 'target_dataset_id'])
      .where('id', '=', input.contributionId)
      .forUpdate()
      .executeTakeFirst();
    // Someone else's contribution is reported as absent: ids are not an oracle.
    if (!c || (c.submitter_id !== actor.id && c.organization_id !== ob.contractor_id)) {
      throw new DeliveryError('not_found', 'no such contribution of yours', {
        contributionId: [t('contracts:errors.contribution')],
      });
    }
    if (c.organization_id && c.organization_id !== ob.contractor_id) {
      throw new DeliveryError(
        'foreign_contribution',
        'the contribution is made for another organisation',
        {
          contributionId: [t('contracts:errors.foreignContribution')],
        },
      );
    }
    if (c.kind === 'observation')
      throw new DeliveryError('wrong_kind', 'an observation is not a delivery', {
        contributionId: [t('contracts:errors.wrongKind')],
      });
    if (ob.dataset_id && (c.kind !== 'dataset_update' || c.target_dataset_id !== ob.dataset_id)) {
      throw new DeliveryError(
        'wrong_dataset',
        'the delivery must update the obligation’s dataset',
        { contributionId: [t('contracts:errors.wrongDataset')] },
      );
    }
    if (!LINKABLE_STATES.includes(c.state)) {
      throw new DeliveryError(
        'not_linkable',
        `a contribution that is ${c.state} cannot be linked`,
        { contributionId: [t('contracts:errors.notLinkable')] },
      );
    }
    const linked = await trx
      .selectFrom('obligation_delivery')
      .select('occurrence_id')
      .where('contribution_id', '=', c.id)
      .executeTakeFirst();
    if (linked)
      throw new DeliveryError('already_linked', 'the contribution is already linked', {
        contributionId: [t('contracts:errors.alreadyLinked')],
      });

    let q = trx
      .selectFrom('obligation_occurrence')
      .select(['id', sql<string>`due_on::text`.as('due_on'), 'fulfilled_at'])
      .where('obligation_id', '=', ob.id)
      .orderBy('due_on')
      .forUpdate();
    if (input.dueOn) q = q.where('due_on', '=', sql<Date>`${input.dueOn}::date`);
    else q = q.where('fulfilled_at', 'is', null);
    const occ = await q.executeTakeFirst();
    if (!occ)
      throw new DeliveryError(
        input.dueOn ? 'not_found' : 'no_open_occurrence',
        'no such occurrence',
        { dueOn: [t('contracts:errors.noOccurrence')] },
      );
    if (occ.fulfilled_at)
      throw new DeliveryError('already_fulfilled', 'this occurrence is already fulfilled', {
        dueOn: [t('contracts:errors.alreadyFulfilled')],
      });
    await trx
      .insertInto('obligation_delivery')
      .values({ contribution_id: c.id, occurrence_id: occ.id, linked_by: actor.id })
      .execute();
    return { occurrenceId: occ.id, dueOn: occ.due_on, contributionId: c.id };
  });
}

export interface FulfilmentOutcome {
  occurrenceId: string;
  onTime: boolean;
  credited: boolean;
}

/**
 * Called by publication, in its transaction: if the published contribution is a delivery
 * for an occurrence still open, and made for the contractor, the occurrence is fulfilled.
 * Otherwise (no link, already fulfilled by an earlier delivery) nothing happens.
 */
export async function fulfilOnPublication(
  trx: DB,
  contributionId: string,
  datasetId: string,
): Promise<FulfilmentOutcome | null> {
  const d = await trx
    .selectFrom('obligation_delivery as d')
    .innerJoin('obligation_occurrence as o', 'o.id', 'd.occurrence_id')
    .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
    .innerJoin('contract as k', 'k.id', 'ob.contract_id')
    .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
    .select([
      'o.id as occurrenceId',
      'o.deadline',
      'ob.id as obligationId',
      'ob.dataset_id',
      'k.contractor_id',
      'c.organization_id',
    ])
    .where('d.contribution_id', '=', contributionId)
    .executeTakeFirst();
  if (!d || d.organization_id !== d.contractor_id) return null;
  const open = await trx
    .selectFrom('obligation_occurrence')
    .select('fulfilled_at')
    .where('id', '=', d.occurrenceId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (open.fulfilled_at) return null;
  const first = await trx
    .selectFrom('moderation_event')
    .select((eb) => eb.fn.min('created_at').as('at'))
    .where('contribution_id', '=', contributionId)
    .where('action', '=', 'submit')
    .executeTakeFirst();
  const deliveredAt = first?.at ? new Date(first.at as unknown as string) : new Date();
  const onTime = deliveredAt.getTime() < new Date(d.deadline).getTime();
  await trx
    .updateTable('obligation_occurrence')
    .set({
      fulfilled_at: sql`now()`,
      fulfilled_by: contributionId,
      delivered_at: deliveredAt,
      on_time: onTime,
    })
    .where('id', '=', d.occurrenceId)
    .execute();
  // A new dataset owed by the contract is that dataset from now on (later deliveries update it).
  if (!d.dataset_id)
    await trx
      .updateTable('contract_obligation')
      .set({ dataset_id: datasetId })
      .where('id', '=', d.obligationId)
      .execute();
  if (onTime) {
    // Ref'd to the contribution: a retraction reverses it with the contribution's other credits.
    await appendLedgerEntry(trx as LedgerTransaction, {
      subject: { type: 'organization', id: d.contractor_id },
      reason: 'obligation_on_time',
      ref: { type: 'contribution', id: contributionId },
    });
  }
  return { occurrenceId: d.occurrenceId, onTime, credited: onTime };
}

export interface ReopenOutcome {
  occurrenceId: string;
  /** Another published delivery linked to the same due date, which fulfils it now (or null: open again). */
  refulfilledBy: string | null;
}

/**
 * Called by retraction, in its transaction, after the dataset version is withdrawn: the
 * occurrence this contribution fulfilled is open again (due, or overdue past its deadline),
 * so the transparency report no longer counts a delivery the public cannot get. The
 * on-time credit is reversed by the retraction itself (it is referenced to the
 * contribution). If another delivery linked to the same due date is published, it fulfils
 * the occurrence instead (on time or late by its own first submission, with its credit).
 * An obligation whose new dataset was adopted from this delivery, and is now withdrawn
 * altogether (no published version left), owes a new dataset again.
 */
export async function reopenOnRetraction(
  trx: DB,
  contributionId: string,
): Promise<ReopenOutcome | null> {
  const occ = await trx
    .selectFrom('obligation_occurrence')
    .select(['id', 'obligation_id'])
    .where('fulfilled_by', '=', contributionId)
    .forUpdate()
    .executeTakeFirst();
  if (!occ) return null;
  await trx
    .updateTable('obligation_occurrence')
    .set({ fulfilled_at: null, fulfilled_by: null, delivered_at: null, on_time: null })
    .where('id', '=', occ.id)
    .execute();
  const gone = await trx
    .selectFrom('contribution as c')
    .innerJoin('dataset_version as v', 'v.id', 'c.published_version_id')
    .innerJoin('dataset as ds', 'ds.id', 'v.dataset_id')
    .select('ds.id')
    .where('c.id', '=', contributionId)
    .where('ds.state', '=', 'retracted')
    .executeTakeFirst();
  if (gone)
    await trx
      .updateTable('contract_obligation')
      .set({ dataset_id: null })
      .where('id', '=', occ.obligation_id)
      .where('dataset_id', '=', gone.id)
      .execute();
  const next = await trx
    .selectFrom('obligation_delivery as d')
    .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
    .innerJoin('dataset_version as v', 'v.id', 'c.published_version_id')
    .select(['c.id', 'v.dataset_id'])
    .where('d.occurrence_id', '=', occ.id)
    .where('d.contribution_id', '!=', contributionId)
    .where('c.state', '=', 'published')
    .where('v.state', '=', 'published')
    .orderBy('v.published_at')
    .limit(1)
    .executeTakeFirst();
  const outcome = next ? await fulfilOnPublication(trx, next.id, next.dataset_id) : null;
  return { occurrenceId: occ.id, refulfilledBy: outcome ? next!.id : null };
}

export interface OccurrenceView {
  id: string;
  obligationId: string;
  dueOn: string;
  deadline: Date;
  status: OccurrenceStatus;
  fulfilledAt: Date | null;
  deliveredAt: Date | null;
  submittedAt: Date | null;
  fulfilledBy: string | null;
  deliveries: { contributionId: string; title: string; state: string }[];
}

/** Occurrences of some obligations with their status at `now` (and their deliveries). */
export async function occurrencesOf(
  db: DB,
  obligationIds: string[],
  now: Date,
  opts: { withDeliveries?: boolean } = {},
): Promise<OccurrenceView[]> {
  if (!obligationIds.length) return [];
  const rows = await db
    .selectFrom('obligation_occurrence as o')
    .select([
      'o.id',
      'o.obligation_id',
      sql<string>`o.due_on::text`.as('due_on'),
      'o.deadline',
      'o.fulfilled_at',
      'o.fulfilled_by',
      'o.delivered_at',
      'o.on_time',
      (eb) =>
        eb
          .selectFrom('obligation_delivery as d')
          .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
          .innerJoin('moderation_event as e', 'e.contribution_id', 'c.id')
          .select((e) => e.fn.min('e.created_at').as('at'))
          .whereRef('d.occurrence_id', '=', 'o.id')
          .where('e.action', '=', 'submit')
          .where('c.state', 'in', [...SUBMITTED_STATES])
          .as('submitted_at'),
    ])
    .where('o.obligation_id', 'in', obligationIds)
    .orderBy('o.due_on')
    .execute();
  const deliveries = opts.withDeliveries
    ? await db
        .selectFrom('obligation_delivery as d')
        .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
        .innerJoin('obligation_occurrence as o', 'o.id', 'd.occurrence_id')
        .select(['d.occurrence_id', 'c.id', 'c.title', 'c.state'])
        .where('o.obligation_id', 'in', obligationIds)
        .orderBy('d.linked_at')
        .execute()
    : [];
  return rows.map((r) => {
    const submittedAt = r.submitted_at ? new Date(r.submitted_at as unknown as string) : null;
    return {
      id: r.id,
      obligationId: r.obligation_id,
      dueOn: r.due_on,
      deadline: r.deadline,
      fulfilledAt: r.fulfilled_at,
      deliveredAt: r.delivered_at,
      submittedAt,
      fulfilledBy: r.fulfilled_by,
      status: occurrenceStatus(
        {
          dueOn: r.due_on,
          deadline: r.deadline,
          fulfilledAt: r.fulfilled_at,
          onTime: r.on_time,
          submittedAt,
        },
        now,
      ),
      deliveries: deliveries
        .filter((x) => x.occurrence_id === r.id)
        .map((x) => ({ contributionId: x.id, title: x.title, state: x.state })),
    };
  });
}

export interface DashboardObligation {
  id: string;
  contractId: string;
  contractReference: string;
  contractTitle: string;
  publicBodyName: string;
  datasetTitle: string;
  datasetSlug: string | null;
  frequency: string | null;
  expectedFormat: string;
  licence: string;
}

export interface Dashboard {
  today: string;
  obligations: DashboardObligation[];
  /** Open occurrences needing attention, soonest first: overdue, soon due, submitted, upcoming. */
  open: (OccurrenceView & { obligation: DashboardObligation })[];
  done: (OccurrenceView & { obligation: DashboardObligation })[];
  counts: Record<OccurrenceStatus, number>;
  /** Contributions the viewer may link (theirs or the organisation's, not yet linked). */
  linkable: {
    id: string;
    title: string;
    state: string;
    kind: string;
    targetDatasetId: string | null;
  }[];
}

/** The contractor's view of what it owes: due, soon due, overdue, and what was delivered. */
export async function contractorDashboard(
  db: DB,
  organizationId: string,
  viewerId: string,
  now = new Date(),
): Promise<Dashboard> {
  const obligations = await db
    .selectFrom('contract_obligation as ob')
    .innerJoin('contract as k', 'k.id', 'ob.contract_id')
    .innerJoin('organization as pb', 'pb.id', 'k.public_body_id')
    .leftJoin('dataset as ds', (j) =>
      j.onRef('ds.id', '=', 'ob.dataset_id').on('ds.state', '=', 'published'),
    )
    .select([
      'ob.id',
      'k.id as contractId',
      'k.reference as contractReference',
      'k.title as contractTitle',
      'pb.name as publicBodyName',
      'ob.dataset_title as datasetTitle',
      'ds.slug as datasetSlug',
      'ob.frequency',
      'ob.expected_format as expectedFormat',
      'ob.licence_id as licence',
    ])
    .where('k.contractor_id', '=', organizationId)
    .orderBy('k.reference')
    .orderBy('ob.position')
    .execute();
  const byId = new Map(obligations.map((o) => [o.id, o]));
  const occ = await occurrencesOf(
    db,
    obligations.map((o) => o.id),
    now,
    { withDeliveries: true },
  );
  const order: Record<OccurrenceStatus, number> = {
    overdue: 0,
    soon_due: 1,
    submitted: 2,
    upcoming: 3,
    late: 4,
    on_time: 5,
  };
  const withOb = occ.map((o) => ({ ...o, obligation: byId.get(o.obligationId)! }));
  const open = withOb
    .filter((o) => !o.fulfilledAt)
    .sort((a, b) => order[a.status] - order[b.status] || a.dueOn.localeCompare(b.dueOn));
  const done = withOb.filter((o) => o.fulfilledAt).sort((a, b) => b.dueOn.localeCompare(a.dueOn));
  const counts = {
    upcoming: 0,
    soon_due: 0,
    overdue: 0,
    submitted: 0,
    on_time: 0,
    late: 0,
  } as Record<OccurrenceStatus, number>;
  for (const o of occ) counts[o.status]++;
  const linkable = await db
    .selectFrom('contribution as c')
    .select(['c.id', 'c.title', 'c.state', 'c.kind', 'c.target_dataset_id as targetDatasetId'])
    .where('c.kind', 'in', ['new_dataset', 'dataset_update'])
    .where('c.state', 'in', LINKABLE_STATES)
    .where((eb) =>
      eb.or([
        eb('c.organization_id', '=', organizationId),
        eb.and([eb('c.submitter_id', '=', viewerId), eb('c.organization_id', 'is', null)]),
      ]),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('obligation_delivery as d')
            .select('d.contribution_id')
            .whereRef('d.contribution_id', '=', 'c.id'),
        ),
      ),
    )
    .orderBy('c.updated_at', 'desc')
    .limit(200)
    .execute();
  return { today: parisDate(now), obligations, open, done, counts, linkable };
}
