// Demo data: a public contract of the Métropole de Lyon with Vélos Lumière SAS (the demo
// partner), with an open-data clause: a monthly dataset (one due date already past, the
// next ones to come) and a yearly report. Idempotent (skipped when the reference exists).
import type { DB } from '#db/client';
import { keyT } from './demo-keys';
import { recordContract } from './contracts.server';
import { addDays, addMonths, parisDate } from './schedule';

export const DEMO_CONTRACT_REFERENCE = 'DSP-VELO-2026-01';

export async function seedDemoContract(db: DB, now = new Date()): Promise<void> {
  const orgs = new Map(
    (
      await db
        .selectFrom('organization')
        .select(['id', 'slug'])
        .where('slug', 'in', ['metropole-de-lyon', 'velos-lumiere'])
        .execute()
    ).map((o) => [o.slug, o.id]),
  );
  const agent = await db
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'agent@demo.terridata.fr')
    .executeTakeFirst();
  const body = orgs.get('metropole-de-lyon');
  const contractor = orgs.get('velos-lumiere');
  if (!agent || !body || !contractor) return;
  const exists = await db
    .selectFrom('contract')
    .select('id')
    .where('public_body_id', '=', body)
    .where('reference', '=', DEMO_CONTRACT_REFERENCE)
    .executeTakeFirst();
  if (exists) return;
  const today = parisDate(now);
  const startsOn = addMonths(today, -2);
  await recordContract(
    db,
    { id: agent.id, isAdmin: false },
    {
      publicBodyId: body,
      contractorId: contractor,
      reference: DEMO_CONTRACT_REFERENCE,
      title: 'Délégation de service public : location de vélos de longue durée',
      startsOn,
      endsOn: addDays(addMonths(startsOn, 36), -1),
      noticeUrl: 'https://www.boamp.fr/',
      obligations: [
        {
          datasetTitle: 'Parc de vélos en location et disponibilité par agence',
          frequency: 'monthly',
          expectedFormat:
            'CSV UTF-8, séparateur « ; » : agence, code INSEE de la commune, vélos loués, vélos disponibles, date',
          licence: 'lo-2.0',
        },
        {
          datasetTitle: 'Rapport annuel d’activité du service',
          frequency: 'yearly',
          expectedFormat: 'PDF et tableau CSV des indicateurs du contrat',
          licence: 'lo-2.0',
        },
      ],
    },
    keyT,
  );
}
