// Contract reminders read in the recipient's language: the in-app notification is worded
// when shown (French or English page, the due date written the page's way), the email in
// the recipient's stored language, the daily digest too. Real database, real HTTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordContract } from '../../app/domain/contracts/contracts.server';
import { sendObligationReminders } from '../../app/domain/contracts/reminders.server';
import { addDays, parisDate } from '../../app/domain/contracts/schedule';
import { sendDigests, setEmailMode } from '../../app/domain/moderation/notifications.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { keyT, prepareReferences } from '../contributions/helpers';
import { addMember, contractInput, makeOrg } from './helpers';

let t: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  t = await createTestDatabase();
  await prepareReferences(t.db);
  server = await startTestServer({ db: t.db, pool: t.pool });
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

const frDay = (iso: string) =>
  new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${iso}T00:00:00Z`),
  );
const enDay = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(
    new Date(`${iso}T00:00:00Z`),
  );

describe('contract reminders', () => {
  it('are worded in the language the notifications page is read in, and emailed in the recipient’s language', async () => {
    const now = new Date();
    const today = parisDate(now);
    const body = await makeOrg(t.db, 'public_body');
    const contractor = await makeOrg(t.db, 'business');
    // Both admins of the contractor: one reads French, the other English.
    const english = await addMember(t.db, contractor, 'admin');
    await t.db
      .updateTable('users')
      .set({ locale: 'en' })
      .where('id', '=', english.user.id)
      .execute();
    const r = await recordContract(
      t.db,
      { id: body.admin.user.id, isAdmin: false },
      contractInput(body.id, contractor.id, {
        reference: 'MP-RAPPEL-01',
        startsOn: addDays(today, -30),
        endsOn: addDays(today, 60),
        obligations: [
          {
            datasetTitle: 'Comptages piétons',
            dueDates: [addDays(today, -1)],
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    expect(r.occurrences).toBe(1);
    await sendObligationReminders(t.db, now);
    const due = addDays(today, -1);

    const page = async (cookie: string, lang: string) => {
      const res = await fetch(`${server.url}/notifications`, {
        headers: { cookie, 'accept-language': lang },
      });
      expect(res.status).toBe(200);
      return res.text();
    };
    const fr = await page(contractor.admin.cookie, 'fr');
    expect(fr).toContain(
      `Livraison de données en retard : « Comptages piétons » (contrat MP-RAPPEL-01) était attendu le ${frDay(due)}.`,
    );
    expect(fr).not.toContain('Data delivery');
    // The same stored notification, read in English: no French left in it.
    const en = await page(english.cookie, 'en');
    expect(en).toContain(
      `Data delivery overdue: “Comptages piétons” (contract MP-RAPPEL-01) was due on ${enDay(due)}.`,
    );
    expect(en).not.toContain('Livraison de données');

    const mails = await t.db
      .selectFrom('email_outbox')
      .select(['user_id', 'subject', 'body_text'])
      .where('user_id', 'in', [contractor.admin.user.id, english.user.id])
      .execute();
    const to = (id: string) => mails.find((m) => m.user_id === id)!;
    expect(to(english.user.id).subject).toBe('Data delivery overdue');
    expect(to(english.user.id).body_text).toContain(
      `“Comptages piétons” (contract MP-RAPPEL-01) is due on ${due}.`,
    );
    expect(to(contractor.admin.user.id).subject).toBe('Livraison de données en retard');
  });

  it('the daily digest names the reminder and its due date in the recipient’s language', async () => {
    const now = new Date();
    const today = parisDate(now);
    const body = await makeOrg(t.db, 'public_body');
    const contractor = await makeOrg(t.db, 'association');
    await t.db
      .updateTable('users')
      .set({ locale: 'en' })
      .where('id', '=', contractor.admin.user.id)
      .execute();
    await setEmailMode(t.db, contractor.admin.user.id, 'digest');
    await recordContract(
      t.db,
      { id: body.admin.user.id, isAdmin: false },
      contractInput(body.id, contractor.id, {
        startsOn: addDays(today, -30),
        endsOn: addDays(today, 60),
        obligations: [
          {
            datasetTitle: 'Qualité de l’air',
            dueDates: [addDays(today, 7)],
            expectedFormat: 'CSV',
            licence: 'lo-2.0',
          },
        ],
      }),
      keyT,
    );
    await sendObligationReminders(t.db, now);
    await sendDigests(t.db);
    const digest = await t.db
      .selectFrom('email_outbox')
      .select(['subject', 'body_text'])
      .where('user_id', '=', contractor.admin.user.id)
      .executeTakeFirstOrThrow();
    expect(digest.subject).toBe('Your terridata notifications (1)');
    expect(digest.body_text).toContain(
      `- « Qualité de l’air » : data delivery coming up (${addDays(today, 7)})`,
    );
  });
});
