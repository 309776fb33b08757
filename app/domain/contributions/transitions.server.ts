// Applies one transition of the contribution state machine inside the caller's
// transaction: checks legality and the version the caller saw, writes the new state and
// the append-only moderation event. Effects of each action (ledger entries, jobs,
// notifications) are added by the caller in the same transaction.
import { sql } from 'kysely';
import type { Updateable } from 'kysely';
import type { Contribution } from '#db/types.generated';
import type { DB } from '#db/client';
import { isLegal, transitionFor } from './state-machine';
import type { ContributionAction, ContributionState } from './state-machine';

export class TransitionError extends Error {
  constructor(
    readonly code: 'illegal' | 'stale' | 'not_found',
    message: string,
    readonly current?: { state: ContributionState; version: number },
  ) {
    super(message);
  }
}

export interface LockedContribution {
  id: string;
  state: ContributionState;
  version: number;
  submitter_id: string;
  organization_id: string | null;
  current_revision_id: string | null;
  kind: string;
}

export async function lockContribution(trx: DB, id: string): Promise<LockedContribution> {
  const row = await trx
    .selectFrom('contribution')
    .select(['id', 'state', 'version', 'submitter_id', 'organization_id', 'current_revision_id', 'kind'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new TransitionError('not_found', 'contribution not found');
  return row as LockedContribution;
}

export async function applyTransition(
  trx: DB,
  c: LockedContribution,
  input: {
    action: ContributionAction;
    to: ContributionState;
    actorId: string | null;
    expectedVersion?: number;
    reasonCode?: string | null;
    comment?: string | null;
    /** Other columns the transition sets in the same statement (claim, approval, submission…). */
    set?: Omit<Updateable<Contribution>, 'id' | 'state' | 'version'>;
  },
): Promise<LockedContribution> {
  if (!isLegal(c.state, input.action)) {
    throw new TransitionError('illegal', `cannot ${input.action} a contribution that is ${c.state}`, {
      state: c.state,
      version: c.version,
    });
  }
  if (input.expectedVersion !== undefined && input.expectedVersion !== c.version) {
    throw new TransitionError('stale', 'the contribution changed since it was displayed', { state: c.state, version: c.version });
  }
  const t = transitionFor(input.action);
  if (typeof t.to === 'string' && t.to !== 'claimed_from' && t.to !== 'approve_outcome' && t.to !== input.to) {
    throw new Error(`transition ${input.action} leads to ${t.to}, not ${input.to}`);
  }
  await trx
    .updateTable('contribution')
    .set({ ...input.set, state: input.to, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', c.id)
    .execute();
  await trx
    .insertInto('moderation_event')
    .values({
      contribution_id: c.id,
      revision_id: (input.set?.current_revision_id as string | undefined) ?? c.current_revision_id,
      action: input.action,
      from_state: c.state,
      to_state: input.to,
      actor_id: input.actorId,
      reason_code: input.reasonCode ?? null,
      comment: input.comment ?? null,
    })
    .execute();
  return {
    ...c,
    state: input.to,
    version: c.version + 1,
    current_revision_id: (input.set?.current_revision_id as string | undefined) ?? c.current_revision_id,
    organization_id: input.set?.organization_id !== undefined ? (input.set.organization_id as string | null) : c.organization_id,
  };
}
