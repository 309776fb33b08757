// Legal pages (legal notice, privacy notice, terms of use, accessibility statement), edited by
// admins in both languages. The terms' version is the one users accept at sign-up; a new
// version makes every user accept it again at their next sign-in.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import { defaultLegalPages } from './defaults';
import type { LegalSlug } from './defaults';

export interface LegalPage {
  slug: LegalSlug;
  locale: 'fr' | 'en';
  title: string;
  body: string;
  version: number;
  updatedAt: Date | null;
}

export async function getLegalPage(db: DB, slug: LegalSlug, locale: string): Promise<LegalPage> {
  const l = locale === 'en' ? 'en' : 'fr';
  const row = await db
    .selectFrom('legal_page')
    .select(['title', 'body', 'version', 'updated_at'])
    .where('slug', '=', slug)
    .where('locale', '=', l)
    .executeTakeFirst();
  if (row)
    return {
      slug,
      locale: l,
      title: row.title,
      body: row.body,
      version: row.version,
      updatedAt: row.updated_at,
    };
  const d = defaultLegalPages[slug][l];
  return {
    slug,
    locale: l,
    title: d.title,
    body: d.body,
    version: await currentVersion(db, slug),
    updatedAt: null,
  };
}

async function currentVersion(db: DB, slug: LegalSlug): Promise<number> {
  const r = await db
    .selectFrom('legal_page')
    .select((eb) => eb.fn.max('version').as('v'))
    .where('slug', '=', slug)
    .executeTakeFirst();
  return r?.v ?? 1;
}

/** The version of the terms of use in force (1 until an admin publishes a new one). */
export const currentTermsVersion = (db: DB) => currentVersion(db, 'conditions');

/**
 * Saves one language of a page. `newVersion` (terms of use) raises the version of both
 * languages, so every account must accept the terms again.
 */
export async function saveLegalPage(
  db: DB,
  actorId: string,
  input: { slug: LegalSlug; locale: 'fr' | 'en'; title: string; body: string; newVersion: boolean },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const current = await currentVersion(trx, input.slug);
    const version = input.newVersion ? current + 1 : current;
    await trx
      .insertInto('legal_page')
      .values({
        slug: input.slug,
        locale: input.locale,
        title: input.title,
        body: input.body,
        version,
        updated_by: actorId,
      })
      .onConflict((oc) =>
        oc
          .columns(['slug', 'locale'])
          .doUpdateSet({
            title: input.title,
            body: input.body,
            version,
            updated_by: actorId,
            updated_at: sql`now()`,
          }),
      )
      .execute();
    if (input.newVersion)
      await trx.updateTable('legal_page').set({ version }).where('slug', '=', input.slug).execute();
    await appendAuditLog(trx, {
      actorId,
      action: 'legal.update',
      targetType: 'legal_page',
      targetId: `${input.slug}/${input.locale}`,
      details: { version, newVersion: input.newVersion },
    });
    return version;
  });
}

export async function acceptTerms(db: DB, userId: string, version: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ terms_version: version, terms_accepted_at: sql`now()` })
    .where('id', '=', userId)
    .execute();
}
