// Recording public contracts with an open-data clause: a public body's admins (or a
// platform admin) record the contract, its obligations and, from their schedules, every
// due occurrence, in one transaction. A refusal (bad dates, no schedule, a contractor that
// is not an organisation…) is answered field by field and writes nothing.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import type { Translate } from '../contributions/contributions.schema';
import { contractSchema } from './contracts.schema';
import type { ContractInput } from './contracts.schema';
import { deadlineOf, dueDates } from './schedule';
import type { Frequency } from './schedule';

export type ContractErrorCode = 'invalid' | 'forbidden' | 'not_found' | 'duplicate_reference';

export class ContractError extends Error {
  constructor(
    readonly code: ContractErrorCode,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

export interface ContractActor {
  id: string;
  isAdmin: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function fieldErrorsOf(error: {
  issues: { path: PropertyKey[]; message: string }[];
}): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of error.issues) {
    const key =
      i.path
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n ? '.' : ''}${String(p)}`))
        .join('') || 'form';
    (out[key] ??= []).push(i.message);
  }
  return out;
}

/** Public bodies the user may record contracts for: those they administer (all, for a platform admin). */
export async function manageablePublicBodies(db: DB, actor: ContractActor) {
  let q = db
    .selectFrom('organization as o')
    .select(['o.id', 'o.name', 'o.slug'])
    .where('o.kind', '=', 'public_body')
    .orderBy('o.name');
  if (!actor.isAdmin) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('membership as m')
          .select('m.user_id')
          .whereRef('m.organization_id', '=', 'o.id')
          .where('m.user_id', '=', actor.id)
          .where('m.role', '=', 'admin'),
      ),
    );
  }
  return q.execute();
}

/** Organisations a contract may name as contractor. */
export async function contractorChoices(db: DB) {
  return db
    .selectFrom('organization')
    .select(['id', 'name', 'slug', 'kind'])
    .orderBy('name')
    .limit(2000)
    .execute();
}

export async function licenceChoices(db: DB) {
  return db
    .selectFrom('licence')
    .select(['id', 'name'])
    .orderBy('position')
    .orderBy('id')
    .execute();
}

export async function mayRecordFor(
  db: DB,
  actor: ContractActor,
  publicBodyId: string,
): Promise<boolean> {
  if (actor.isAdmin) return true;
  const m = await db
    .selectFrom('membership')
    .select('role')
    .where('user_id', '=', actor.id)
    .where('organization_id', '=', publicBodyId)
    .executeTakeFirst();
  return m?.role === 'admin';
}

/**
 * Records a contract with its obligations and their occurrences. Input is parsed here too
 * (the API and the form both call this), then checked against the database: the public
 * body is a public body the actor administers, the contractor an organisation, datasets
 * and licences exist, the reference is new for that body.
 */
export async function recordContract(
  db: DB,
  actor: ContractActor,
  raw: unknown,
  t: Translate,
): Promise<{ id: string; occurrences: number }> {
  const parsed = contractSchema(t).safeParse(raw);
  if (!parsed.success)
    throw new ContractError('invalid', 'the contract is invalid', fieldErrorsOf(parsed.error));
  const input: ContractInput = parsed.data;
  return db.transaction().execute(async (trx) => {
    const errors: Record<string, string[]> = {};
    const add = (k: string, m: string) => (errors[k] ??= []).push(m);
    const body = await trx
      .selectFrom('organization')
      .select(['id', 'kind'])
      .where('id', '=', input.publicBodyId)
      .executeTakeFirst();
    if (!body || body.kind !== 'public_body')
      add('publicBodyId', t('contracts:errors.notPublicBody'));
    else if (!(await mayRecordFor(trx, actor, body.id)))
      throw new ContractError('forbidden', 'only the public body’s admins record its contracts');
    const contractor = await trx
      .selectFrom('organization')
      .select(['id'])
      .where('id', '=', input.contractorId)
      .executeTakeFirst();
    if (!contractor) add('contractorId', t('contracts:errors.notOrganisation'));

    const datasetIds: (string | null)[] = [];
    for (const [i, o] of input.obligations.entries()) {
      let datasetId: string | null = null;
      if (o.dataset) {
        const ds = await trx
          .selectFrom('dataset')
          .select(['id'])
          .where(UUID.test(o.dataset) ? 'id' : 'slug', '=', o.dataset)
          .where('state', '=', 'published')
          .executeTakeFirst();
        if (!ds) add(`obligations[${i}].dataset`, t('contracts:errors.unknownDataset'));
        datasetId = ds?.id ?? null;
      }
      datasetIds.push(datasetId);
      const licence = await trx
        .selectFrom('licence')
        .select('id')
        .where('id', '=', o.licence)
        .executeTakeFirst();
      if (!licence) add(`obligations[${i}].licence`, t('contracts:errors.licence'));
    }
    if (body?.kind === 'public_body') {
      const dup = await trx
        .selectFrom('contract')
        .select('id')
        .where('public_body_id', '=', input.publicBodyId)
        .where('reference', '=', input.reference)
        .executeTakeFirst();
      if (dup) add('reference', t('contracts:errors.duplicateReference'));
    }
    if (Object.keys(errors).length)
      throw new ContractError('invalid', 'the contract is invalid', errors);

    const contract = await trx
      .insertInto('contract')
      .values({
        public_body_id: input.publicBodyId,
        contractor_id: input.contractorId,
        reference: input.reference,
        title: input.title,
        starts_on: input.startsOn,
        ends_on: input.endsOn,
        notice_url: input.noticeUrl ?? null,
        created_by: actor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    let occurrences = 0;
    for (const [i, o] of input.obligations.entries()) {
      const ob = await trx
        .insertInto('contract_obligation')
        .values({
          contract_id: contract.id,
          position: i,
          dataset_id: datasetIds[i] ?? null,
          dataset_title: o.datasetTitle,
          frequency: o.frequency ?? null,
          first_due_on: o.firstDueOn ?? null,
          due_dates: sql`${sql.val(o.dueDates)}::date[]`,
          expected_format: o.expectedFormat,
          licence_id: o.licence,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const dates = dueDates({
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        frequency: o.frequency as Frequency | undefined,
        firstDueOn: o.firstDueOn,
        dueDates: o.dueDates,
      });
      if (dates.length) {
        await trx
          .insertInto('obligation_occurrence')
          .values(dates.map((d) => ({ obligation_id: ob.id, due_on: d, deadline: deadlineOf(d) })))
          .execute();
      }
      occurrences += dates.length;
    }
    await appendAuditLog(trx, {
      actorId: actor.id,
      action: 'contract.record',
      targetType: 'contract',
      targetId: contract.id,
      details: {
        reference: input.reference,
        publicBodyId: input.publicBodyId,
        contractorId: input.contractorId,
        obligations: input.obligations.length,
      },
    });
    return { id: contract.id, occurrences };
  });
}
