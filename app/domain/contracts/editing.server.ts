// Correcting a recorded contract: its reference, title, dates, contractor, notice and
// obligations, by an admin of the public body that recorded it (or a platform admin), in
// one transaction with an audit-log entry listing every change. The rule for schedules
// (decision 017): the new schedule is expanded again; a due date it no longer has is
// removed only if nothing was delivered for it; a fulfilment, or a live delivery linked to
// a due date, is never lost (that occurrence is kept, even outside the new schedule).
// Likewise an obligation, its dataset or the contractor cannot be changed once a delivery
// was made under it: such a contract is recorded again.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import type { Translate } from '../contributions/contributions.schema';
import { ContractError, fieldErrorsOf, mayRecordFor } from './contracts.server';
import type { ContractActor } from './contracts.server';
import { contractSchema } from './contracts.schema';
import type { ContractInput } from './contracts.schema';
import { terminalStates } from '../contributions/state-machine';
import { deadlineOf, dueDates } from './schedule';
import type { Frequency } from './schedule';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_NONE = '00000000-0000-0000-0000-000000000000';

export interface EditableObligation {
  id: string;
  datasetTitle: string;
  /** The dataset as the form shows it (its slug, or its id when it has none published). */
  dataset: string;
  frequency: string;
  firstDueOn: string;
  dueDates: string[];
  expectedFormat: string;
  licence: string;
  /** Due dates fulfilled, or with a delivery linked: the obligation cannot be removed, nor its dataset changed. */
  delivered: number;
}

export interface EditableContract {
  id: string;
  publicBody: { id: string; name: string; slug: string };
  contractorId: string;
  reference: string;
  title: string;
  startsOn: string;
  endsOn: string;
  noticeUrl: string;
  obligations: EditableObligation[];
  /** A delivery was made under the contract: the contractor cannot be changed. */
  delivered: boolean;
}

async function contractRow(db: DB, id: string, lock: boolean) {
  let q = db
    .selectFrom('contract')
    .select([
      'id',
      'public_body_id',
      'contractor_id',
      'reference',
      'title',
      sql<string>`starts_on::text`.as('starts_on'),
      sql<string>`ends_on::text`.as('ends_on'),
      'notice_url',
    ])
    .where('id', '=', id);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

async function obligationRows(db: DB, contractId: string) {
  return db
    .selectFrom('contract_obligation as ob')
    .leftJoin('dataset as ds', 'ds.id', 'ob.dataset_id')
    .select([
      'ob.id',
      'ob.position',
      'ob.dataset_id',
      'ds.slug as dataset_slug',
      'ds.state as dataset_state',
      'ob.dataset_title',
      'ob.frequency',
      sql<string | null>`ob.first_due_on::text`.as('first_due_on'),
      sql<string[]>`ob.due_dates::text[]`.as('due_dates'),
      'ob.expected_format',
      'ob.licence_id',
    ])
    .where('ob.contract_id', '=', contractId)
    .orderBy('ob.position')
    .execute();
}

/**
 * Occurrences of a contract's obligations, with whether a delivery is linked to each: one
 * still alive (a draft, in moderation, published); a rejected, withdrawn or retracted one
 * delivered nothing.
 */
async function occurrenceRows(db: DB, contractId: string) {
  return db
    .selectFrom('obligation_occurrence as o')
    .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
    .select([
      'o.id',
      'o.obligation_id',
      sql<string>`o.due_on::text`.as('due_on'),
      'o.fulfilled_at',
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('obligation_delivery as d')
              .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
              .select('d.contribution_id')
              .whereRef('d.occurrence_id', '=', 'o.id')
              .where('c.state', 'not in', [...terminalStates]),
          )
          .as('linked'),
    ])
    .where('ob.contract_id', '=', contractId)
    .orderBy('o.due_on')
    .execute();
}

/** The contract as its edit form shows it; not found for a bad id, forbidden for someone who may not edit it. */
export async function loadContractForEdit(
  db: DB,
  actor: ContractActor,
  id: string,
): Promise<EditableContract> {
  if (!UUID.test(id)) throw new ContractError('not_found', 'no such contract');
  const k = await contractRow(db, id, false);
  if (!k) throw new ContractError('not_found', 'no such contract');
  if (!(await mayRecordFor(db, actor, k.public_body_id)))
    throw new ContractError('forbidden', 'only the public body’s admins edit its contracts');
  const [body, obligations, occurrences] = await Promise.all([
    db
      .selectFrom('organization')
      .select(['id', 'name', 'slug'])
      .where('id', '=', k.public_body_id)
      .executeTakeFirstOrThrow(),
    obligationRows(db, id),
    occurrenceRows(db, id),
  ]);
  const delivered = (obId: string) =>
    occurrences.filter((o) => o.obligation_id === obId && (o.fulfilled_at || o.linked)).length;
  return {
    id: k.id,
    publicBody: body,
    contractorId: k.contractor_id,
    reference: k.reference,
    title: k.title,
    startsOn: k.starts_on,
    endsOn: k.ends_on,
    noticeUrl: k.notice_url ?? '',
    delivered: occurrences.some((o) => o.fulfilled_at || o.linked),
    obligations: obligations.map((o) => ({
      id: o.id,
      datasetTitle: o.dataset_title,
      dataset: o.dataset_id ? (o.dataset_slug ?? o.dataset_id) : '',
      frequency: o.frequency ?? '',
      firstDueOn: o.first_due_on ?? '',
      dueDates: o.due_dates ?? [],
      expectedFormat: o.expected_format,
      licence: o.licence_id,
      delivered: delivered(o.id),
    })),
  };
}

export interface EditOutcome {
  id: string;
  /** Whether anything changed (nothing is written, not even the audit entry, otherwise). */
  changed: boolean;
  added: number;
  removed: number;
  /** Due dates no longer in the schedule but kept because something was delivered for them. */
  keptOutsideSchedule: number;
}

type Change = { from: unknown; to: unknown };

function diff(before: Record<string, unknown>, after: Record<string, unknown>) {
  const out: Record<string, Change> = {};
  for (const k of Object.keys(after)) {
    if (JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null))
      out[k] = { from: before[k] ?? null, to: after[k] ?? null };
  }
  return out;
}

/**
 * Applies a corrected contract. Input is the contract form's (as for recording; the
 * public body is the recorded one, whatever the input says); obligations carry the `id` of
 * the recorded obligation they correct, none for a new one, and a recorded obligation
 * left out is removed. Refusals are answered field by field (`form` for the whole form)
 * and write nothing.
 */
export async function editContract(
  db: DB,
  actor: ContractActor,
  contractId: string,
  raw: unknown,
  t: Translate,
): Promise<EditOutcome> {
  if (!UUID.test(contractId)) throw new ContractError('not_found', 'no such contract');
  return db.transaction().execute(async (trx) => {
    const k = await contractRow(trx, contractId, true);
    if (!k) throw new ContractError('not_found', 'no such contract');
    if (!(await mayRecordFor(trx, actor, k.public_body_id)))
      throw new ContractError('forbidden', 'only the public body’s admins edit its contracts');
    const parsed = contractSchema(t).safeParse({
      ...(raw && typeof raw === 'object' ? raw : {}),
      publicBodyId: k.public_body_id,
    });
    if (!parsed.success)
      throw new ContractError('invalid', 'the contract is invalid', fieldErrorsOf(parsed.error));
    const input: ContractInput = parsed.data;
    const errors: Record<string, string[]> = {};
    const add = (key: string, m: string) => (errors[key] ??= []).push(m);

    const obligations = await obligationRows(trx, contractId);
    // Lock the due dates first, then read what was delivered in a fresh statement: a
    // delivery linked or published concurrently is either seen here or waits for us.
    await trx
      .selectFrom('obligation_occurrence')
      .select('id')
      .where('obligation_id', 'in', obligations.length ? obligations.map((o) => o.id) : [UUID_NONE])
      .forUpdate()
      .execute();
    const occurrences = await occurrenceRows(trx, contractId);
    const held = (o: { fulfilled_at: Date | null; linked: unknown }) =>
      Boolean(o.fulfilled_at) || o.linked === true;
    const deliveredFor = (obId: string) =>
      occurrences.some((o) => o.obligation_id === obId && held(o));

    if (input.contractorId !== k.contractor_id) {
      const contractor = await trx
        .selectFrom('organization')
        .select('id')
        .where('id', '=', input.contractorId)
        .executeTakeFirst();
      if (!contractor) add('contractorId', t('contracts:errors.notOrganisation'));
      else if (occurrences.some(held))
        add('contractorId', t('contracts:errors.contractorDelivered'));
    }
    if (input.reference !== k.reference) {
      const dup = await trx
        .selectFrom('contract')
        .select('id')
        .where('public_body_id', '=', k.public_body_id)
        .where('reference', '=', input.reference)
        .where('id', '!=', contractId)
        .executeTakeFirst();
      if (dup) add('reference', t('contracts:errors.duplicateReference'));
    }

    const byId = new Map(obligations.map((o) => [o.id, o]));
    const seen = new Set<string>();
    const datasetIds: (string | null)[] = [];
    for (const [i, o] of input.obligations.entries()) {
      const current = o.id ? byId.get(o.id) : undefined;
      if (o.id && (!current || seen.has(o.id))) {
        add('form', t('contracts:errors.unknownObligation'));
        datasetIds.push(null);
        continue;
      }
      if (o.id) seen.add(o.id);
      let datasetId: string | null = null;
      if (o.dataset) {
        const ds = await trx
          .selectFrom('dataset')
          .select(['id', 'state'])
          .where(UUID.test(o.dataset) ? 'id' : 'slug', '=', o.dataset)
          .executeTakeFirst();
        // The dataset it already has stays acceptable even if it was withdrawn since.
        if (ds && current && ds.id === current.dataset_id) datasetId = ds.id;
        else if (!ds || ds.state !== 'published')
          add(`obligations[${i}].dataset`, t('contracts:errors.unknownDataset'));
        else datasetId = ds.id;
      }
      if (current && datasetId !== current.dataset_id && deliveredFor(current.id))
        add(`obligations[${i}].dataset`, t('contracts:errors.datasetDelivered'));
      datasetIds.push(datasetId);
      const licence = await trx
        .selectFrom('licence')
        .select('id')
        .where('id', '=', o.licence)
        .executeTakeFirst();
      if (!licence) add(`obligations[${i}].licence`, t('contracts:errors.licence'));
    }
    const dropped = obligations.filter((o) => !seen.has(o.id));
    for (const o of dropped) {
      if (deliveredFor(o.id))
        add('form', t('contracts:errors.obligationDelivered', { title: o.dataset_title }));
    }
    if (Object.keys(errors).length)
      throw new ContractError('invalid', 'the contract is invalid', errors);

    // Nothing refused: write.
    const contractChanges = diff(
      {
        reference: k.reference,
        title: k.title,
        startsOn: k.starts_on,
        endsOn: k.ends_on,
        contractorId: k.contractor_id,
        noticeUrl: k.notice_url,
      },
      {
        reference: input.reference,
        title: input.title,
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        contractorId: input.contractorId,
        noticeUrl: input.noticeUrl ?? null,
      },
    );
    if (Object.keys(contractChanges).length)
      await trx
        .updateTable('contract')
        .set({
          reference: input.reference,
          title: input.title,
          starts_on: input.startsOn,
          ends_on: input.endsOn,
          contractor_id: input.contractorId,
          notice_url: input.noticeUrl ?? null,
        })
        .where('id', '=', contractId)
        .execute();

    const audit: {
      added: { id: string; datasetTitle: string; dueDates: string[] }[];
      removed: { id: string; datasetTitle: string; dueDates: string[] }[];
      changed: {
        id: string;
        datasetTitle: string;
        fields: Record<string, Change>;
        dueDatesAdded: string[];
        dueDatesRemoved: string[];
        dueDatesKept: string[];
      }[];
    } = { added: [], removed: [], changed: [] };
    const totals = { added: 0, removed: 0, kept: 0 };

    for (const o of dropped) {
      const dates = occurrences.filter((x) => x.obligation_id === o.id).map((x) => x.due_on);
      await trx.deleteFrom('contract_obligation').where('id', '=', o.id).execute();
      audit.removed.push({ id: o.id, datasetTitle: o.dataset_title, dueDates: dates });
      totals.removed += dates.length;
    }

    for (const [i, o] of input.obligations.entries()) {
      const wanted = dueDates({
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        frequency: o.frequency as Frequency | undefined,
        firstDueOn: o.firstDueOn,
        dueDates: o.dueDates,
      });
      const values = {
        position: i,
        dataset_id: datasetIds[i] ?? null,
        dataset_title: o.datasetTitle,
        frequency: o.frequency ?? null,
        first_due_on: o.firstDueOn ?? null,
        due_dates: sql<Date[]>`${sql.val(o.dueDates)}::date[]`,
        expected_format: o.expectedFormat,
        licence_id: o.licence,
      };
      const current = o.id ? byId.get(o.id) : undefined;
      if (!current) {
        const ob = await trx
          .insertInto('contract_obligation')
          .values({ contract_id: contractId, ...values })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (wanted.length)
          await trx
            .insertInto('obligation_occurrence')
            .values(
              wanted.map((d) => ({ obligation_id: ob.id, due_on: d, deadline: deadlineOf(d) })),
            )
            .execute();
        audit.added.push({ id: ob.id, datasetTitle: o.datasetTitle, dueDates: wanted });
        totals.added += wanted.length;
        continue;
      }
      const fields = diff(
        {
          datasetTitle: current.dataset_title,
          datasetId: current.dataset_id,
          frequency: current.frequency,
          firstDueOn: current.first_due_on,
          dueDates: [...(current.due_dates ?? [])].sort(),
          expectedFormat: current.expected_format,
          licence: current.licence_id,
        },
        {
          datasetTitle: o.datasetTitle,
          datasetId: datasetIds[i] ?? null,
          frequency: o.frequency ?? null,
          firstDueOn: o.firstDueOn ?? null,
          dueDates: [...new Set(o.dueDates)].sort(),
          expectedFormat: o.expectedFormat,
          licence: o.licence,
        },
      );
      if (Object.keys(fields).length || current.position !== i)
        await trx
          .updateTable('contract_obligation')
          .set(values)
          .where('id', '=', current.id)
          .execute();
      const have = occurrences.filter((x) => x.obligation_id === current.id);
      const wantedSet = new Set(wanted);
      const haveSet = new Set(have.map((x) => x.due_on));
      const missing = wanted.filter((d) => !haveSet.has(d));
      const outside = have.filter((x) => !wantedSet.has(x.due_on));
      const removable = outside.filter((x) => !held(x));
      const kept = outside.filter(held).map((x) => x.due_on);
      if (removable.length)
        await trx
          .deleteFrom('obligation_occurrence')
          .where(
            'id',
            'in',
            removable.map((x) => x.id),
          )
          .execute();
      if (missing.length)
        await trx
          .insertInto('obligation_occurrence')
          .values(
            missing.map((d) => ({ obligation_id: current.id, due_on: d, deadline: deadlineOf(d) })),
          )
          .execute();
      totals.added += missing.length;
      totals.removed += removable.length;
      totals.kept += kept.length;
      if (Object.keys(fields).length || missing.length || removable.length)
        audit.changed.push({
          id: current.id,
          datasetTitle: o.datasetTitle,
          fields,
          dueDatesAdded: missing,
          dueDatesRemoved: removable.map((x) => x.due_on),
          dueDatesKept: kept,
        });
    }

    const changed =
      Object.keys(contractChanges).length > 0 ||
      audit.added.length > 0 ||
      audit.removed.length > 0 ||
      audit.changed.length > 0 ||
      obligations.some(
        (o) => seen.has(o.id) && input.obligations.findIndex((x) => x.id === o.id) !== o.position,
      );
    if (changed)
      await appendAuditLog(trx, {
        actorId: actor.id,
        action: 'contract.edit',
        targetType: 'contract',
        targetId: contractId,
        details: {
          reference: input.reference,
          publicBodyId: k.public_body_id,
          changes: contractChanges,
          obligations: audit,
        },
      });
    return {
      id: contractId,
      changed,
      added: totals.added,
      removed: totals.removed,
      keptOutsideSchedule: totals.kept,
    };
  });
}
