// Notifications, their email preference and thread messages are in the personal-data
// registry: exported with the account; on deletion, notifications go and messages lose
// their author and text (the conversation keeps its shape).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount, exportPersonalData } from '../../app/domain/identity/personal-data.features.server';
import { setEmailMode } from '../../app/domain/moderation/notifications.server';
import { claimContribution } from '../../app/domain/moderation/queue.server';
import { requestChanges } from '../../app/domain/moderation/moderation.server';
import { postMessage } from '../../app/domain/moderation/thread.server';
import { prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from '../moderation/helpers';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'td-modpd-'));
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('moderation data of a person', () => {
  it('is exported with the account and erased with it', async () => {
    const refs = await prepareReferences(t.db);
    const mod = await makeModerator(t.db);
    const { id, submitterId } = await submitted(t.db, refs, dir);
    await setEmailMode(t.db, submitterId, 'digest');
    await claimContribution(t.db, mod, id);
    await requestChanges(t.db, mod, id, { comment: 'Ajoutez la source.' });
    await postMessage(t.db, submitterId, id, 'Source : comptage municipal.');

    const exported = await exportPersonalData(t.db, submitterId);
    expect(exported.data.notifications).toMatchObject({ emailMode: 'digest', notifications: [{ kind: 'changes_requested', comment: 'Ajoutez la source.' }] });
    expect(exported.data.moderation_thread).toMatchObject([{ body: 'Source : comptage municipal.', author_role: 'contributor' }]);

    await deleteAccount(t.db, submitterId);
    expect(await t.db.selectFrom('notification').select('id').where('user_id', '=', submitterId).execute()).toHaveLength(0);
    expect(await t.db.selectFrom('notification_preference').select('user_id').where('user_id', '=', submitterId).execute()).toHaveLength(0);
    const left = await t.db.selectFrom('comment').select(['author_id', 'body']).where('contribution_id', '=', id).execute();
    expect(left).toEqual([{ author_id: null, body: '—' }]);
    // The moderator's notification of the reply stays theirs.
    expect(await t.db.selectFrom('notification').select('kind').where('user_id', '=', mod.id).execute()).toEqual([{ kind: 'reply' }]);
  });
});
