// The licences reference table, as the licence explanation page needs it.
import type { DB } from '#db/client';

export interface LicenceInfo {
  id: string;
  name: string;
  url: string;
  traceable: boolean;
}

export async function getLicence(db: DB, id: string): Promise<LicenceInfo | null> {
  if (!/^[a-z0-9.-]{1,60}$/i.test(id)) return null;
  const l = await db
    .selectFrom('licence')
    .select(['id', 'name', 'url', 'traceable'])
    .where('id', '=', id)
    .executeTakeFirst();
  return l ?? null;
}
