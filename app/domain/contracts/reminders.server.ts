// Reminders to contractors: 7 days before a due date, on the day, and weekly while overdue,
// for occurrences with nothing delivered. Each reminder is recorded (occurrence, kind)
// in the transaction that writes its notifications and emails, so running the job twice,
// or on two workers at once, sends each reminder once. The in-app notification is a kind
// (obligation_upcoming, obligation_due_today, obligation_overdue) with the due date and
// contract reference as parameters, worded when shown in the reader's language; the email
// is written in the recipient's stored language.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { notify } from '../moderation/notifications.server';
import { SUBMITTED_STATES } from './fulfilment.server';
import { addDays, parisDate, reminderFor } from './schedule';

const SUBJECTS = {
  upcoming: { fr: 'Livraison de données à venir', en: 'Data delivery coming up' },
  due_today: { fr: 'Livraison de données attendue aujourd’hui', en: 'Data delivery due today' },
  overdue: { fr: 'Livraison de données en retard', en: 'Data delivery overdue' },
};

function frDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

export async function sendObligationReminders(
  db: DB,
  now = new Date(),
  opts: { publicUrl?: string } = {},
): Promise<number> {
  const today = parisDate(now);
  // Open occurrences due within a week or already past due, with no delivery submitted.
  const due = await db
    .selectFrom('obligation_occurrence as o')
    .innerJoin('contract_obligation as ob', 'ob.id', 'o.obligation_id')
    .innerJoin('contract as k', 'k.id', 'ob.contract_id')
    .innerJoin('organization as org', 'org.id', 'k.contractor_id')
    .select([
      'o.id',
      sql<string>`o.due_on::text`.as('due_on'),
      'ob.dataset_title',
      'k.reference',
      'k.contractor_id',
      'org.slug',
    ])
    .where('o.fulfilled_at', 'is', null)
    .where('o.due_on', '<=', sql<Date>`${addDays(today, 7)}::date`)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('obligation_delivery as d')
            .innerJoin('contribution as c', 'c.id', 'd.contribution_id')
            .select('d.contribution_id')
            .whereRef('d.occurrence_id', '=', 'o.id')
            .where('c.state', 'in', [...SUBMITTED_STATES]),
        ),
      ),
    )
    .orderBy('o.due_on')
    .execute();
  let sent = 0;
  for (const o of due) {
    const kind = reminderFor(o.due_on, today);
    if (!kind) continue;
    await db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('obligation_reminder')
        .values({ occurrence_id: o.id, kind })
        .onConflict((oc) => oc.columns(['occurrence_id', 'kind']).doNothing())
        .returning('kind')
        .executeTakeFirst();
      if (!claimed) return; // sent already (by an earlier run, or another worker)
      let people = await trx
        .selectFrom('membership as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.id', 'u.email', 'u.pseudonym', 'u.locale'])
        .where('m.organization_id', '=', o.contractor_id)
        .where('m.role', '=', 'admin')
        .where('u.deleted_at', 'is', null)
        .execute();
      if (!people.length) {
        people = await trx
          .selectFrom('membership as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select(['u.id', 'u.email', 'u.pseudonym', 'u.locale'])
          .where('m.organization_id', '=', o.contractor_id)
          .where('u.deleted_at', 'is', null)
          .execute();
      }
      const which = kind.startsWith('overdue') ? 'overdue' : (kind as 'upcoming' | 'due_today');
      const s = SUBJECTS[which];
      const url = `/organisations/${o.slug}/obligations`;
      const body = {
        fr: `« ${o.dataset_title} » (contrat ${o.reference}) est attendu pour le ${frDate(o.due_on)}.`,
        en: `“${o.dataset_title}” (contract ${o.reference}) is due on ${o.due_on}.`,
      };
      for (const p of people) {
        await notify(trx, {
          userId: p.id,
          // Put into words when shown, in the reader's language (notifications.kinds.*).
          kind: `obligation_${which}`,
          title: o.dataset_title,
          params: { dueOn: o.due_on, reference: o.reference },
          url,
          email: {
            to: p.email,
            template: 'notification',
            locale: p.locale,
            params: {
              pseudonym: p.pseudonym,
              subject_fr: s.fr,
              subject_en: s.en,
              body_fr: body.fr,
              body_en: body.en,
              url: `${opts.publicUrl ?? ''}${url}`,
            },
          },
        });
      }
      sent++;
    });
  }
  return sent;
}
