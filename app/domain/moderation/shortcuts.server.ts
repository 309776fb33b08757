// Each moderator's setting for the single-key shortcuts of the moderation screens: read (the
// defaults when none is stored), saved, exported and erased with the account.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { registerPersonalData } from '../identity/personal-data.server';
import { withDefaults } from './shortcuts.schema';
import type { ShortcutSettings } from './shortcuts.schema';

export async function getShortcutSettings(db: DB, userId: string): Promise<ShortcutSettings> {
  const row = await db.selectFrom('shortcut_preference').select(['enabled', 'keys']).where('user_id', '=', userId).executeTakeFirst();
  return withDefaults(row ?? null);
}

export async function saveShortcutSettings(db: DB, userId: string, s: ShortcutSettings): Promise<void> {
  const keys = JSON.stringify(s.keys);
  await db
    .insertInto('shortcut_preference')
    .values({ user_id: userId, enabled: s.enabled, keys })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ enabled: s.enabled, keys, updated_at: sql`now()` }))
    .execute();
}

registerPersonalData({
  name: 'moderation_shortcuts',
  table: 'shortcut_preference',
  export: async (db, userId) => db.selectFrom('shortcut_preference').select(['enabled', 'keys', 'updated_at']).where('user_id', '=', userId).executeTakeFirst() ?? null,
  erase: async (trx, userId) => {
    await trx.deleteFrom('shortcut_preference').where('user_id', '=', userId).execute();
  },
  order: -10,
});
