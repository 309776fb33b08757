// Fixtures for moderation tests: moderators with scopes, and submitted contributions made
// through the real submission path (or in bulk with SQL for the concurrency test).
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { attachUpload, createDraft, saveDraft, submitContribution } from '../../app/domain/contributions/contributions.server';
import type { DraftMetadata, ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { loadModerator } from '../../app/domain/moderation/moderation.server';
import type { ObjectStorage } from '../../app/domain/storage/storage.server';
import type { Moderator } from '../../app/domain/moderation/moderation.server';
import { createUserWithSession } from '../support/auth';
import { keyT, validDraft } from '../contributions/helpers';

export async function makeModerator(db: DB, scopes: { kind: 'territory' | 'theme'; code: string }[] = [{ kind: 'territory', code: '200046977' }]): Promise<Moderator> {
  const { user } = await createUserWithSession(db);
  if (scopes.length) await db.insertInto('moderator_scope').values(scopes.map((s) => ({ user_id: user.id, ...s }))).execute();
  return (await loadModerator(db, user.id))!;
}

/** A verified upload whose bytes exist in `uploadsDir` or in the given storage (publication copies them). */
export async function storedUpload(db: DB, ownerId: string, uploadsDir: string | ObjectStorage, content = 'nom;valeur\nA;1\n'): Promise<string> {
  const id = randomBytes(16).toString('hex');
  if (typeof uploadsDir === 'string') {
    await mkdir(uploadsDir, { recursive: true });
    await writeFile(path.join(uploadsDir, id), content);
  } else await uploadsDir.put(id, content);
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose: 'dataset',
      filename: 'donnees.csv',
      declared_size: Buffer.byteLength(content),
      offset: Buffer.byteLength(content),
      status: 'verified',
      storage_key: id,
      sha256: createHash('sha256').update(content).digest('hex'),
      size: Buffer.byteLength(content),
      detected_format: 'text',
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  return id;
}

export async function submitted(
  db: DB,
  refs: ReferenceLists,
  uploadsDir: string | ObjectStorage,
  opts: { draft?: DraftMetadata; submitterId?: string; kind?: 'new_dataset' | 'dataset_update'; targetDatasetId?: string } = {},
): Promise<{ id: string; submitterId: string }> {
  const submitterId = opts.submitterId ?? (await createUserWithSession(db)).user.id;
  const actor = { id: submitterId };
  const { id } = await createDraft(db, actor, { kind: opts.kind ?? 'new_dataset', targetDatasetId: opts.targetDatasetId });
  await saveDraft(db, actor, id, validDraft(opts.draft));
  if (opts.kind !== 'dataset_update') await attachUpload(db, actor, id, await storedUpload(db, submitterId, uploadsDir));
  await submitContribution(db, actor, id, keyT, refs, { auditShare: 0 });
  return { id, submitterId };
}

/** n submitted contributions in one statement (the queue tests need many). */
export async function bulkSubmitted(db: DB, n: number): Promise<string[]> {
  const { user } = await createUserWithSession(db);
  const rows = await sql<{ id: string }>`
    with c as (
      insert into contribution (kind, submitter_id, state, title, communes, themes, submitted_at)
      select 'new_dataset', ${user.id}::uuid, 'submitted', 'Lot ' || g, '{69123}', '{mobilite}', now() - make_interval(secs => ${n} - g)
      from generate_series(1, ${n}) g
      returning id
    ) select id from c`.execute(db);
  return rows.rows.map((r) => r.id);
}
