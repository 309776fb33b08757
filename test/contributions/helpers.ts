// Fixtures for contribution tests: reference lists, a verified upload row, valid metadata.
import { randomBytes } from 'node:crypto';
import type { DB } from '../../db/client';
import { seedReferenceLists, loadReferenceData, referenceLists } from '../../app/domain/contributions/reference.server';
import type { DraftMetadata, ReferenceLists, Translate } from '../../app/domain/contributions/contributions.schema';
import { loadTerritories } from '../../app/domain/territories/territories.server';

/** Messages as keys: tests assert on which message, whatever the language. */
export const keyT: Translate = (key) => key;

export async function prepareReferences(db: DB): Promise<ReferenceLists> {
  await loadTerritories(db);
  await seedReferenceLists(db);
  return referenceLists(await loadReferenceData(db, 'fr'));
}

export async function insertUpload(
  db: DB,
  ownerId: string,
  opts: { status?: 'uploading' | 'complete' | 'verified' | 'invalid'; purpose?: 'dataset' | 'photo'; filename?: string } = {},
): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose: opts.purpose ?? 'dataset',
      filename: opts.filename ?? 'data.csv',
      declared_size: 100,
      offset: opts.status === 'uploading' ? 10 : 100,
      status: opts.status ?? 'verified',
      storage_key: id,
      expires_at: new Date(Date.now() + 86_400_000),
    })
    .execute();
  return id;
}

export const validDraft = (overrides: DraftMetadata = {}): DraftMetadata => ({
  title: 'Stationnements vélo de Villeurbanne',
  description: 'Emplacements des arceaux vélo relevés par l’association en 2025.',
  themes: ['mobilite'],
  keywords: ['vélo', 'stationnement'],
  communes: ['69266'],
  licence: 'lo-2.0',
  updateFrequency: 'annual',
  contactName: 'Camille Martin',
  contactEmail: 'camille@example.org',
  personalData: 'no',
  rightsStatement: 'on',
  ...overrides,
});
