// Who is notified of what, in the same transaction as the change: a broken claim tells its
// holder, a report's outcome tells the reporter, a retraction tells the contributor.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveContribution, loadModerator, releaseClaim } from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { claimContribution, claimTask } from '../../app/domain/moderation/queue.server';
import { clearReviewTask, reportPublishedItem, retractFromTask } from '../../app/domain/moderation/reports.server';
import { postMessage } from '../../app/domain/moderation/thread.server';
import { prepareReferences } from '../contributions/helpers';
import { makeModerator, submitted } from '../moderation/helpers';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'td-modnotif-'));
});
afterAll(async () => {
  await t?.close();
  await rm(dir, { recursive: true, force: true });
});

const kindsOf = async (userId: string) =>
  (await t.db.selectFrom('notification').select(['kind', 'url']).where('user_id', '=', userId).orderBy('id').execute()).map((n) => n.kind);

describe('notifications of moderation events', () => {
  it('tells the holder of a broken claim, the reporter of each outcome, and the contributor of a retraction', async () => {
    const refs = await prepareReferences(t.db);
    const holder = await makeModerator(t.db);
    const adminUser = (await createUserWithSession(t.db, { isAdmin: true })).user;
    const adminM = (await loadModerator(t.db, adminUser.id))!;

    const { id, submitterId } = await submitted(t.db, refs, dir);
    await claimContribution(t.db, holder, id);
    await releaseClaim(t.db, adminM, id);
    expect(await kindsOf(holder.id)).toEqual(['claim_broken']);
    const broken = await t.db.selectFrom('email_outbox').select(['template', 'body_text']).where('user_id', '=', holder.id).executeTakeFirstOrThrow();
    expect(broken.template).toBe('moderation_event');
    expect(broken.body_text).toContain('Un administrateur vous a retiré la relecture');

    await claimContribution(t.db, holder, id);
    await approveContribution(t.db, holder, id);
    await publishApprovedContribution(t.db, id, { storage: new DirectoryStorage(dir) });
    expect(await kindsOf(submitterId)).toEqual(['approved', 'published']);

    const reporter = (await createUserWithSession(t.db)).user;
    const first = await reportPublishedItem(t.db, reporter.id, id, { reason: 'inaccurate', comment: 'Chiffres faux' });
    await claimTask(t.db, holder, first.taskId);
    await clearReviewTask(t.db, holder, first.taskId, 'Chiffres vérifiés');
    const second = await reportPublishedItem(t.db, reporter.id, id, { reason: 'licence', comment: 'Pas sous licence ouverte' });
    await claimTask(t.db, holder, second.taskId);
    await retractFromTask(t.db, holder, second.taskId, 'Licence incompatible');
    expect(await kindsOf(reporter.id)).toEqual(['report_cleared', 'report_retracted']);
    expect(await kindsOf(submitterId)).toEqual(['approved', 'published', 'retracted']);
    const emails = await t.db.selectFrom('email_outbox').select(['template', 'subject']).where('to_address', '=', reporter.email).orderBy('id').execute();
    expect(emails).toEqual([
      { template: 'notification', subject: 'Votre signalement' },
      { template: 'notification', subject: 'Votre signalement' },
    ]);
  });

  it('writes to moderators with their own email (French or English) linking to the review screen', async () => {
    const refs = await prepareReferences(t.db);
    const holder = await makeModerator(t.db);
    const english = await makeModerator(t.db);
    await t.db.updateTable('users').set({ locale: 'en' }).where('id', '=', english.id).execute();
    const contributor = (await createUserWithSession(t.db)).user;
    const { id } = await submitted(t.db, refs, dir, { submitterId: contributor.id, draft: { title: 'Bancs publics' } });
    await claimContribution(t.db, english, id);
    await postMessage(t.db, english.id, id, 'Quelle source ?', { baseUrl: 'https://terridata.example/' });
    await releaseClaim(t.db, english, id);
    await claimContribution(t.db, holder, id);
    await postMessage(t.db, contributor.id, id, 'Le relevé de mars.', { baseUrl: 'https://terridata.example' });

    const mails = await t.db.selectFrom('email_outbox').select(['to_address', 'template', 'subject', 'body_text']).where('user_id', 'in', [holder.id, english.id, contributor.id]).orderBy('id').execute();
    const emails = new Map((await t.db.selectFrom('users').select(['id', 'email']).where('id', 'in', [holder.id, english.id, contributor.id]).execute()).map((u) => [u.id, u.email]));
    const to = (userId: string) => mails.filter((m) => m.to_address === emails.get(userId));
    // The contributor: the contributor's template, with the page of their contribution.
    expect(to(contributor.id)).toEqual([expect.objectContaining({ template: 'contribution_event', subject: 'Votre contribution « Bancs publics »' })]);
    expect(to(contributor.id)[0]!.body_text).toContain(`https://terridata.example/compte/contributions/${id}#fil`);
    // Both moderators who handled it: the moderators' template, the review screen's link.
    const [fr] = to(holder.id);
    expect(fr).toMatchObject({ template: 'moderation_event', subject: 'Modération : « Bancs publics »' });
    expect(fr!.body_text).toContain(`a répondu sur « Bancs publics »`);
    expect(fr!.body_text).toContain('Le relevé de mars.');
    expect(fr!.body_text).toContain(`Écran de relecture : https://terridata.example/moderation/${id}#fil`);
    expect(fr!.body_text).not.toContain('Votre contribution');
    const [en] = to(english.id);
    expect(en).toMatchObject({ template: 'moderation_event', subject: 'Moderation: “Bancs publics”' });
    expect(en!.body_text).toContain(`Review screen: https://terridata.example/moderation/${id}#fil`);
  });
});
