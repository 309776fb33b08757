// Fixtures for the observation tests: citizens of a given age and balance, a moderator,
// the reference data (communes, categories), photo uploads whose bytes are on disk, and
// observations submitted through the real domain path.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { loadModerator } from '../../app/domain/moderation/moderation.server';
import type { Moderator } from '../../app/domain/moderation/moderation.server';
import { seedObservationCategories, submitObservation } from '../../app/domain/observations/observations.server';
import type { Translate } from '../../app/domain/observations/observations.schema';
import { appendLedgerEntry } from '../../app/domain/reputation/ledger.server';
import { loadTerritories } from '../../app/domain/territories/territories.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { DirectoryStorage } from '../../app/domain/storage/directory.server';

/** Messages as their keys (and options), so tests can tell which rule refused. */
export const keyT: Translate = (key, opts) => (opts && Object.keys(opts).length ? `${key} ${JSON.stringify(opts)}` : key);

export const HOTEL_DE_VILLE = { lon: 4.8357, lat: 45.7676 }; // Lyon

export async function seedReference(db: DB): Promise<void> {
  await loadTerritories(db);
  await seedObservationCategories(db);
}

/** A signed-in citizen; `ageDays` back-dates the account, `balance` credits the ledger. */
export async function citizen(db: DB, opts: { ageDays?: number; balance?: number; secret?: string } = {}): Promise<SignedInTestUser> {
  const u = await createUserWithSession(db, { secret: opts.secret });
  if (opts.ageDays) {
    await db
      .updateTable('users')
      .set({ created_at: sql<Date>`now() - make_interval(days => ${opts.ageDays})` })
      .where('id', '=', u.user.id)
      .execute();
  }
  if (opts.balance) await credit(db, u.user.id, opts.balance);
  return u;
}

/** Credits a user about `points` (dataset approvals of 25, then observations of 2). */
export async function credit(db: DB, userId: string, points: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let left = points;
    while (left >= 25) {
      await appendLedgerEntry(trx, { subject: { type: 'user', id: userId }, reason: 'dataset_contribution_approved', ref: { type: 'contribution', id: randomBytes(8).toString('hex') } });
      left -= 25;
    }
    while (left > 0) {
      await appendLedgerEntry(trx, { subject: { type: 'user', id: userId }, reason: 'observation_published', ref: { type: 'contribution', id: randomBytes(8).toString('hex') } });
      left -= 2;
    }
  });
}

export async function makeModerator(db: DB, opts: { secret?: string } = {}): Promise<Moderator & { cookie: string }> {
  const u = await createUserWithSession(db, { secret: opts.secret });
  await db.insertInto('moderator_scope').values({ user_id: u.user.id, kind: 'territory', code: '200046977' }).execute();
  // Moderators use a second factor (the pages require it); its setup is not under test here.
  await db.updateTable('users').set({ totp_enabled_at: new Date() }).where('id', '=', u.user.id).execute();
  return { ...(await loadModerator(db, u.user.id))!, cookie: u.cookie };
}

/** A finished photo upload (status `complete`, not yet checked) with its bytes in `uploadsDir`. */
export async function photoUpload(db: DB, ownerId: string, uploadsDir: string, bytes: Buffer, filename = 'photo.jpg'): Promise<string> {
  const id = randomBytes(16).toString('hex');
  const key = `tus/${id}`;
  await mkdir(path.join(uploadsDir, 'tus'), { recursive: true });
  await writeFile(path.join(uploadsDir, key), bytes);
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose: 'photo',
      filename,
      declared_size: bytes.length,
      offset: bytes.length,
      status: 'complete',
      storage_key: key,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      expires_at: new Date(Date.now() + 86_400_000),
      completed_at: new Date(),
    })
    .execute();
  return id;
}

export function validFields(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    lon: String(HOTEL_DE_VILLE.lon),
    lat: String(HOTEL_DE_VILLE.lat),
    category: 'voirie',
    description: 'Nid-de-poule profond devant l’entrée.',
    observedAt: new Date(Date.now() - 3_600_000).toISOString(),
    ...overrides,
  };
}

export async function observe(db: DB, authorId: string, uploadsDir: string, overrides: Record<string, unknown> = {}) {
  return submitObservation(db, { id: authorId }, validFields(overrides), { t: keyT, storage: new DirectoryStorage(uploadsDir) });
}
