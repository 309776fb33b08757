import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachUpload,
  ContributionError,
  createDraft,
  detachUpload,
  getContributionFor,
  listContributionsFor,
  saveDraft,
  submitContribution,
  withdrawContribution,
} from '../../app/domain/contributions/contributions.server';
import type { ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { createUserWithSession } from '../support/auth';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { insertUpload, keyT, prepareReferences, validDraft } from './helpers';

let t: TestDatabase;
let refs: ReferenceLists;
beforeAll(async () => {
  t = await createTestDatabase();
  refs = await prepareReferences(t.db);
});
afterAll(async () => t?.close());

async function citizen() {
  return (await createUserWithSession(t.db)).user;
}

async function snapshot(contributionId: string) {
  const c = await t.db.selectFrom('contribution').selectAll().where('id', '=', contributionId).executeTakeFirstOrThrow();
  const revisions = await t.db.selectFrom('contribution_revision').selectAll().where('contribution_id', '=', contributionId).execute();
  const events = await t.db.selectFrom('moderation_event').selectAll().where('contribution_id', '=', contributionId).execute();
  return { c, revisions, events };
}

async function expectRefused(p: Promise<unknown>, code: string, field?: string) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ContributionError);
  expect((e as ContributionError).code).toBe(code);
  if (field) expect(Object.keys((e as ContributionError).fieldErrors)).toContain(field);
  return e as ContributionError;
}

describe('contributing a dataset', () => {
  it('saves a draft without losing what was typed, then submits it with a verified file', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, { title: 'Arceaux', description: 'trop court' }); // incomplete, kept
    let detail = await getContributionFor(t.db, u.id, id);
    expect(detail!.revisions[0]!.metadata.title).toBe('Arceaux');
    expect(detail!.state).toBe('draft');

    await saveDraft(t.db, u, id, validDraft());
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    const r = await submitContribution(t.db, u, id, keyT, refs);
    expect(r.state).toBe('submitted');
    detail = await getContributionFor(t.db, u.id, id);
    expect(detail!.state).toBe('submitted');
    expect(detail!.revisions[0]!.frozenAt).not.toBeNull();
    expect(detail!.revisions[0]!.rightsStatement).toMatchObject({ accepted: true, licence: 'lo-2.0' });
    expect(detail!.events.map((e) => [e.action, e.from, e.to])).toEqual([['submit', 'draft', 'submitted']]);
    expect((await listContributionsFor(t.db, u.id)).map((c) => [c.id, c.state])).toEqual([[id, 'submitted']]);
  });

  it('refuses invalid metadata field by field, and writes nothing', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft({ title: 'abc', contactEmail: 'not-an-email', communes: ['75056'], rightsStatement: 'no' }));
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    const before = await snapshot(id);
    const e = await expectRefused(submitContribution(t.db, u, id, keyT, refs), 'invalid_metadata');
    expect(e.fieldErrors).toMatchObject({
      title: ['contributions:errors.titleLength'],
      contactEmail: ['contributions:errors.email'],
      rightsStatement: ['contributions:errors.rightsStatement'],
    });
    expect(Object.keys(e.fieldErrors).some((k) => k.startsWith('communes'))).toBe(true);
    expect(await snapshot(id)).toEqual(before);
  });

  it('refuses a new dataset with no verified file, or with a file still uploading or invalid', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft());
    await expectRefused(submitContribution(t.db, u, id, keyT, refs), 'no_verified_file', 'files');

    const uploading = await insertUpload(t.db, u.id, { status: 'uploading', filename: 'gros.csv' });
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    await attachUpload(t.db, u, id, uploading);
    const e = await expectRefused(submitContribution(t.db, u, id, keyT, refs), 'file_not_ready', 'files');
    expect(e.fieldErrors.files).toEqual(['contributions:errors.fileNotReady']);
    await detachUpload(t.db, u, id, uploading);

    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id, { status: 'invalid', filename: 'faux.csv' }));
    await expectRefused(submitContribution(t.db, u, id, keyT, refs), 'file_invalid', 'files');
    expect((await snapshot(id)).c.state).toBe('draft');
  });

  it("refuses another user's upload, at attach time and at submission", async () => {
    const u = await citizen();
    const other = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft());
    const theirs = await insertUpload(t.db, other.id);
    await expectRefused(attachUpload(t.db, u, id, theirs), 'foreign_upload');
    // Even if a row linked it (e.g. a bug elsewhere), submission checks ownership again.
    const c = await t.db.selectFrom('contribution').select('current_revision_id').where('id', '=', id).executeTakeFirstOrThrow();
    await t.db.insertInto('revision_upload').values({ revision_id: c.current_revision_id!, upload_id: theirs }).execute();
    await expectRefused(submitContribution(t.db, u, id, keyT, refs), 'foreign_upload');
    expect((await snapshot(id)).c.state).toBe('draft');
  });

  it('refuses to act on behalf of an organisation the user is not a member of', async () => {
    const u = await citizen();
    const org = await t.db
      .insertInto('organization')
      .values({ slug: `asso-${Date.now()}`, name: 'Asso', kind: 'association' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft({ organizationId: org.id }));
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    await expectRefused(submitContribution(t.db, u, id, keyT, refs), 'not_member', 'organizationId');
    expect((await snapshot(id)).c.state).toBe('draft');

    // A member may, and the organisation's other members then see the contribution.
    await t.db.insertInto('membership').values({ organization_id: org.id, user_id: u.id, role: 'member' }).execute();
    const colleague = await citizen();
    await t.db.insertInto('membership').values({ organization_id: org.id, user_id: colleague.id, role: 'member' }).execute();
    await submitContribution(t.db, u, id, keyT, refs);
    const seen = await listContributionsFor(t.db, colleague.id);
    expect(seen.map((s) => [s.id, s.organizationName, s.mine])).toEqual([[id, 'Asso', false]]);
    expect(await getContributionFor(t.db, colleague.id, id)).not.toBeNull();
    expect(await getContributionFor(t.db, (await citizen()).id, id)).toBeNull(); // a stranger sees nothing
  });

  it('lets only one of two tabs submit the same draft; the other is told it is already submitted', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft());
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    const results = await Promise.allSettled([
      submitContribution(t.db, u, id, keyT, refs),
      submitContribution(t.db, u, id, keyT, refs),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as ContributionError).code).toBe('already_submitted');
    const s = await snapshot(id);
    expect(s.events).toHaveLength(1);
    expect(s.revisions).toHaveLength(1);
  });

  it('refuses to edit a submitted contribution, and the database refuses to change a frozen revision', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft());
    const upload = await insertUpload(t.db, u.id);
    await attachUpload(t.db, u, id, upload);
    await submitContribution(t.db, u, id, keyT, refs);
    await expectRefused(saveDraft(t.db, u, id, { title: 'Changed after submission' }), 'already_submitted');
    await expectRefused(detachUpload(t.db, u, id, upload), 'already_submitted');
    const rev = (await snapshot(id)).revisions[0]!;
    await expect(
      sql`update contribution_revision set metadata = '{}'::jsonb where id = ${rev.id}`.execute(t.db),
    ).rejects.toThrow(/frozen/);
    await expect(sql`delete from revision_upload where revision_id = ${rev.id}`.execute(t.db)).rejects.toThrow(/frozen/);
    await expect(sql`update moderation_event set comment = 'x' where contribution_id = ${id}`.execute(t.db)).rejects.toThrow(
      /append-only/,
    );
  });

  it('resubmits after a request for changes as a new revision, the old one untouched', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft());
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    await submitContribution(t.db, u, id, keyT, refs);
    // A moderator asks for changes (the moderation area fires this transition).
    await t.db.updateTable('contribution').set({ state: 'changes_requested' }).where('id', '=', id).execute();
    await saveDraft(t.db, u, id, { title: 'Stationnements vélo de Villeurbanne (corrigé)' });
    const r = await submitContribution(t.db, u, id, keyT, refs);
    expect(r.revisionNumber).toBe(2);
    const s = await snapshot(id);
    const [first, second] = [...s.revisions].sort((a, b) => a.number - b.number);
    expect((first!.metadata as { title: string }).title).toBe('Stationnements vélo de Villeurbanne');
    expect((second!.metadata as { title: string }).title).toContain('(corrigé)');
    expect(s.events.map((e) => e.action)).toEqual(['submit', 'resubmit']);
    const detail = await getContributionFor(t.db, u.id, id);
    expect(detail!.revisions.map((x) => x.files.length)).toEqual([1, 1]); // files carried to the new round
  });

  it('withdraws a submitted contribution, and refuses to withdraw it twice', async () => {
    const u = await citizen();
    const { id } = await createDraft(t.db, u, { kind: 'new_dataset' });
    await saveDraft(t.db, u, id, validDraft());
    await attachUpload(t.db, u, id, await insertUpload(t.db, u.id));
    await submitContribution(t.db, u, id, keyT, refs);
    await withdrawContribution(t.db, u, id);
    expect((await snapshot(id)).c.state).toBe('withdrawn');
    await expectRefused(withdrawContribution(t.db, u, id), 'not_editable');
    await expectRefused(withdrawContribution(t.db, await citizen(), id), 'not_found');
  });

  it('starts an update from the dataset’s current metadata; an update may carry no new file', async () => {
    const u = await citizen();
    const ds = await t.db
      .insertInto('dataset')
      .values({ slug: `arceaux-${Date.now()}`, metadata: JSON.stringify(validDraft({ rightsStatement: undefined })) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { id } = await createDraft(t.db, u, { kind: 'dataset_update', targetDatasetId: ds.id });
    const detail = await getContributionFor(t.db, u.id, id);
    expect(detail!.revisions[0]!.metadata).toMatchObject({ title: 'Stationnements vélo de Villeurbanne', licence: 'lo-2.0' });
    expect(detail!.revisions[0]!.metadata.rightsStatement).toBeUndefined(); // each round states it anew
    await saveDraft(t.db, u, id, { description: 'Mise à jour 2026 : 40 nouveaux arceaux relevés.', rightsStatement: 'on' });
    const r = await submitContribution(t.db, u, id, keyT, refs);
    expect(r.state).toBe('submitted');
    expect(detail!.targetDatasetId).toBe(ds.id);
  });
});
