// The transition table itself, and every illegal transition (generated from the table)
// refused by the database-backed transition function, changing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsFrom,
  contributionActions,
  contributionStates,
  isLegal,
  transitions,
} from '../../app/domain/contributions/state-machine';
import type { ContributionState } from '../../app/domain/contributions/state-machine';
import { applyTransition, lockContribution, TransitionError } from '../../app/domain/contributions/transitions.server';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

describe('the contribution state machine', () => {
  it('reaches every state from draft', () => {
    const reached = new Set<ContributionState>(['draft']);
    let grew = true;
    while (grew) {
      grew = false;
      for (const tr of transitions) {
        if (!tr.from.some((f) => reached.has(f))) continue;
        const targets: ContributionState[] =
          tr.to === 'claimed_from' ? [...tr.from.filter((f) => reached.has(f))] : tr.to === 'approve_outcome' ? ['approved', 'second_review'] : [tr.to];
        for (const s of targets) {
          if (!reached.has(s)) {
            reached.add(s);
            grew = true;
          }
        }
      }
    }
    // in_review can go back to submitted or second_review: both are "where it was claimed from"
    expect([...reached].sort()).toEqual([...contributionStates].sort());
  });

  it('lets terminal states go nowhere but retraction of published items', () => {
    expect(actionsFrom('rejected')).toEqual([]);
    expect(actionsFrom('withdrawn')).toEqual([]);
    expect(actionsFrom('retracted')).toEqual([]);
    expect(actionsFrom('published')).toEqual(['retract']);
  });

  it('refuses every illegal transition from every state and writes nothing', async () => {
    const { user } = await createUserWithSession(t.db);
    let refused = 0;
    for (const state of contributionStates) {
      const c = await t.db
        .insertInto('contribution')
        .values({ kind: 'new_dataset', submitter_id: user.id, state, title: state })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const action of contributionActions) {
        if (isLegal(state, action)) continue;
        const before = await t.db.selectFrom('contribution').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
        const err = await t.db
          .transaction()
          .execute(async (trx) => {
            const locked = await lockContribution(trx, c.id);
            await applyTransition(trx, locked, { action, to: 'approved', actorId: user.id });
          })
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(err, `${action} from ${state}`).toBeInstanceOf(TransitionError);
        expect((err as TransitionError).code).toBe('illegal');
        expect(await t.db.selectFrom('contribution').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow()).toEqual(before);
        refused++;
      }
    }
    const events = await t.db.selectFrom('moderation_event').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(events.n).toBe(0);
    expect(refused).toBe(contributionStates.length * contributionActions.length - transitions.reduce((n, tr) => n + tr.from.length, 0));
  });

  it('refuses a decision taken on a stale view, saying what changed', async () => {
    const { user } = await createUserWithSession(t.db);
    const c = await t.db
      .insertInto('contribution')
      .values({ kind: 'new_dataset', submitter_id: user.id, state: 'submitted', title: 'stale', version: 3 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const err = await t.db
      .transaction()
      .execute(async (trx) => applyTransition(trx, await lockContribution(trx, c.id), { action: 'withdraw', to: 'withdrawn', actorId: user.id, expectedVersion: 2 }))
      .then(
        () => null,
        (e: unknown) => e as TransitionError,
      );
    expect(err?.code).toBe('stale');
    expect(err?.current).toEqual({ state: 'submitted', version: 3 });
  });
});
