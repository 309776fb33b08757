// Catalogue fixtures made through the real path: a draft with files, submitted, claimed and
// approved by a moderator, then published into the catalogue.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DB } from '../../db/client';
import { attachUpload, createDraft, saveDraft, submitContribution } from '../../app/domain/contributions/contributions.server';
import type { DraftMetadata, ReferenceLists } from '../../app/domain/contributions/contributions.schema';
import { approveContribution, claimNextContribution } from '../../app/domain/moderation/moderation.server';
import type { Moderator } from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { retractContribution } from '../../app/domain/moderation/reports.server';
import { createUserWithSession } from '../support/auth';
import { keyT, validDraft } from '../contributions/helpers';
import { makeModerator } from '../moderation/helpers';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

export interface FileSpec {
  filename: string;
  content: string | Buffer;
  report?: unknown;
}

export const csvReport = (rows: number, header: string[], delimiter = ';') => ({
  validation: { csv: { rowCount: rows, columnCount: header.length, encoding: 'utf-8', delimiter, header } },
  reasons: [],
  warnings: [],
});

async function upload(db: DB, ownerId: string, uploadsDir: string, f: FileSpec): Promise<string> {
  const id = randomBytes(16).toString('hex');
  const bytes = typeof f.content === 'string' ? Buffer.from(f.content) : f.content;
  await mkdir(uploadsDir, { recursive: true });
  await writeFile(path.join(uploadsDir, id), bytes);
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose: 'dataset',
      filename: f.filename,
      declared_size: bytes.length,
      offset: bytes.length,
      status: 'verified',
      storage_key: id,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
      detected_format: 'text',
      report: f.report ? JSON.stringify(f.report) : null,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  return id;
}

let moderator: Moderator | null = null;

export interface Published {
  contributionId: string;
  datasetId: string;
  slug: string;
  submitterId: string;
}

export async function publishDataset(
  db: DB,
  refs: ReferenceLists,
  uploadsDir: string,
  opts: { draft?: DraftMetadata; files?: FileSpec[]; submitterId?: string; targetDatasetId?: string } = {},
): Promise<Published> {
  const submitterId = opts.submitterId ?? (await createUserWithSession(db)).user.id;
  const actor = { id: submitterId };
  const { id } = await createDraft(db, actor, { kind: opts.targetDatasetId ? 'dataset_update' : 'new_dataset', targetDatasetId: opts.targetDatasetId });
  await saveDraft(db, actor, id, validDraft(opts.draft));
  const files = opts.files ?? [{ filename: 'donnees.csv', content: 'nom;valeur\nA;1\n', report: csvReport(1, ['nom', 'valeur']) }];
  for (const f of files) await attachUpload(db, actor, id, await upload(db, submitterId, uploadsDir, f));
  await submitContribution(db, actor, id, keyT, refs, { auditShare: 0 });
  moderator ??= await makeModerator(db);
  const claim = await claimNextContribution(db, moderator, { kind: 'dataset' });
  if (!claim || claim.id !== id) throw new Error('the queue did not give the contribution just submitted');
  const outcome = await approveContribution(db, moderator, id, { expectedVersion: claim.version });
  if (outcome !== 'approved') throw new Error(`approval gave ${outcome}`);
  const p = await publishApprovedContribution(db, id, { storage: new DirectoryStorage(uploadsDir) });
  return { contributionId: id, datasetId: p.datasetId, slug: p.slug, submitterId };
}

export async function retract(db: DB, contributionId: string, reason = 'Données erronées'): Promise<void> {
  moderator ??= await makeModerator(db);
  const m = moderator;
  await db.transaction().execute((trx) => retractContribution(trx, m.id, contributionId, reason));
}

/** Forgets the cached moderator (each test file has its own database). */
export const resetCatalogueFixtures = () => {
  moderator = null;
};
