// The admin-managed reference lists: dataset themes and observation categories. Admins add
// entries, rename them and switch them off (entries in use are never deleted); audited.
import { z } from 'zod';
import type { DB } from '#db/client';
import { appendAuditLog } from './audit.server';

export const referenceListNames = ['theme', 'observation_category'] as const;
export type ReferenceListName = (typeof referenceListNames)[number];

export interface ReferenceEntry {
  code: string;
  labelFr: string;
  labelEn: string;
  position: number;
  active: boolean;
}

export const referenceEntrySchema = z.object({
  list: z.enum(referenceListNames),
  code: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_-]{1,39}$/, 'code: 2–40 lowercase letters, digits, - or _ / code : 2 à 40 minuscules, chiffres, - ou _'),
  labelFr: z.string().trim().min(2, 'libellé français requis / French label required').max(120),
  labelEn: z.string().trim().min(2, 'libellé anglais requis / English label required').max(120),
  position: z.coerce.number().int().min(0).max(1000).default(0),
  active: z.preprocess((v) => v === 'on' || v === true || v === 'true', z.boolean()),
});
export type ReferenceEntryInput = z.infer<typeof referenceEntrySchema>;

export async function listReferenceEntries(db: DB, list: ReferenceListName): Promise<ReferenceEntry[]> {
  const rows = await db.selectFrom(list).select(['code', 'label_fr', 'label_en', 'position', 'active']).orderBy('position').orderBy('code').execute();
  return rows.map((r) => ({ code: r.code, labelFr: r.label_fr, labelEn: r.label_en, position: r.position, active: r.active }));
}

/** Adds or updates an entry (by code), in one transaction with its audit record. */
export async function saveReferenceEntry(db: DB, adminId: string, input: ReferenceEntryInput): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto(input.list)
      .values({ code: input.code, label_fr: input.labelFr, label_en: input.labelEn, position: input.position, active: input.active })
      .onConflict((oc) =>
        oc.column('code').doUpdateSet({ label_fr: input.labelFr, label_en: input.labelEn, position: input.position, active: input.active }),
      )
      .execute();
    await appendAuditLog(trx, {
      actorId: adminId,
      action: `reference.${input.list}.save`,
      targetType: input.list,
      targetId: input.code,
      details: { labelFr: input.labelFr, labelEn: input.labelEn, position: input.position, active: input.active },
    });
  });
}
