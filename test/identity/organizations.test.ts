// Organisations: SIREN check, creation, request to join approved by an organisation admin
// (not by a plain member), public pages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidSiren } from '../../app/domain/organizations/siren';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { startTestServer } from '../support/server';
import type { TestServer } from '../support/server';
import { count, get, lastEmailTo, makeUser, post } from './support';

let t: TestDatabase;
let s: TestServer;
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer({ db: t.db, pool: t.pool });
});
afterAll(async () => {
  await s?.close();
  await t?.close();
});

describe('SIREN', () => {
  it('accepts 9 digits with a valid Luhn key, refuses the rest', () => {
    for (const ok of ['200046977', '216901231', '542051180', '732829320', '356000000'])
      expect(isValidSiren(ok)).toBe(true);
    for (const bad of ['123456789', '20004697', '2000469770', '20004697a', '200 046 977', ''])
      expect(isValidSiren(bad)).toBe(false);
  });
});

describe('creating an organisation', () => {
  it('refuses a business without a valid SIREN, field by field, in the page language, writing nothing', async () => {
    const u = await makeUser(t.db);
    const before = await count(t.db, 'organization');
    const missing = await post(
      s.url,
      '/organisations/nouvelle',
      { name: 'Transports Dupont', kind: 'business' },
      { cookie: u.cookie },
    );
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Le numéro SIREN est obligatoire pour une entreprise.');
    const wrong = await post(
      s.url,
      '/organisations/nouvelle',
      { name: 'Transports Dupont', kind: 'business', siren: '123456789' },
      { cookie: u.cookie },
    );
    expect(await wrong.text()).toContain('Ce numéro SIREN n’est pas valable');
    const en = await post(
      s.url,
      '/organisations/nouvelle',
      { name: 'Dupont', kind: 'business', siren: '12345' },
      { cookie: u.cookie, lang: 'en' },
    );
    expect(await en.text()).toContain('This SIREN number is not valid');
    expect(await count(t.db, 'organization')).toBe(before);
  });

  it('creates a business with a valid SIREN; its creator is its admin; the public page shows it unverified', async () => {
    const u = await makeUser(t.db);
    const res = await post(
      s.url,
      '/organisations/nouvelle',
      {
        name: 'Vélos Lumière SAS',
        kind: 'business',
        siren: '732 829 320',
        territoryCode: '69123',
        website: 'https://velos.example',
      },
      { cookie: u.cookie },
    );
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/organisations/velos-lumiere-sas?info=cree');
    const org = await t.db
      .selectFrom('organization')
      .selectAll()
      .where('slug', '=', 'velos-lumiere-sas')
      .executeTakeFirstOrThrow();
    expect(org).toMatchObject({
      siren: '732829320',
      kind: 'business',
      territory_code: '69123',
      verified_at: null,
    });
    const m = await t.db
      .selectFrom('membership')
      .selectAll()
      .where('organization_id', '=', org.id)
      .execute();
    expect(m).toEqual([expect.objectContaining({ user_id: u.id, role: 'admin' })]);
    const page = await get(s.url, '/organisations/velos-lumiere-sas');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Vélos Lumière SAS');
    expect(html).toContain('Non vérifiée');
    expect(html).toContain('Lyon');
    expect((await get(s.url, '/organisations/nexiste-pas')).status).toBe(404);
    expect(await (await get(s.url, '/organisations?q=lumiere')).text()).toContain(
      'Vélos Lumière SAS',
    );
  });
});

describe('joining an organisation', () => {
  it('a request is approved by an organisation admin only, never by a plain member', async () => {
    const admin = await makeUser(t.db);
    const member = await makeUser(t.db);
    const applicant = await makeUser(t.db);
    await post(
      s.url,
      '/organisations/nouvelle',
      { name: 'Les Amis du Rhône', kind: 'association' },
      { cookie: admin.cookie },
    );
    const org = await t.db
      .selectFrom('organization')
      .select(['id', 'slug'])
      .where('name', '=', 'Les Amis du Rhône')
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto('membership')
      .values({ organization_id: org.id, user_id: member.id, role: 'member' })
      .execute();

    const ask = await post(
      s.url,
      `/organisations/${org.slug}/adhesion`,
      { message: 'Je fais des relevés de crues.' },
      { cookie: applicant.cookie },
    );
    expect(ask.headers.get('location')).toBe(`/organisations/${org.slug}?info=demande`);
    const again = await post(
      s.url,
      `/organisations/${org.slug}/adhesion`,
      { message: 'bis' },
      { cookie: applicant.cookie },
    );
    expect(again.status).toBe(302);
    const requests = await t.db
      .selectFrom('membership_request')
      .selectAll()
      .where('organization_id', '=', org.id)
      .execute();
    expect(requests).toHaveLength(1);
    const mail = await lastEmailTo(t.db, admin.email);
    expect(mail?.template).toBe('join_request');
    expect(mail?.body_text).toContain('relevés de crues');

    // Anonymous: sign in first. A plain member, a stranger: 403.
    expect((await get(s.url, `/organisations/${org.slug}/gestion`)).status).toBe(302);
    expect(
      (await get(s.url, `/organisations/${org.slug}/gestion`, { cookie: member.cookie })).status,
    ).toBe(403);
    const byMember = await post(
      s.url,
      `/organisations/${org.slug}/gestion`,
      { intent: 'approve', requestId: requests[0]!.id },
      { cookie: member.cookie },
    );
    expect(byMember.status).toBe(403);
    const byApplicant = await post(
      s.url,
      `/organisations/${org.slug}/gestion`,
      { intent: 'approve', requestId: requests[0]!.id },
      { cookie: applicant.cookie },
    );
    expect(byApplicant.status).toBe(403);
    expect(
      await t.db.selectFrom('membership').selectAll().where('user_id', '=', applicant.id).execute(),
    ).toHaveLength(0);

    const page = await get(s.url, `/organisations/${org.slug}/gestion`, { cookie: admin.cookie });
    expect(await page.text()).toContain('relevés de crues');
    const ok = await post(
      s.url,
      `/organisations/${org.slug}/gestion`,
      { intent: 'approve', requestId: requests[0]!.id },
      { cookie: admin.cookie },
    );
    expect(ok.status).toBe(302);
    const m = await t.db
      .selectFrom('membership')
      .selectAll()
      .where('user_id', '=', applicant.id)
      .executeTakeFirstOrThrow();
    expect(m.role).toBe('member');
    expect((await lastEmailTo(t.db, applicant.email))?.template).toBe('join_decision');
    // Deciding twice is refused.
    expect(
      (
        await post(
          s.url,
          `/organisations/${org.slug}/gestion`,
          { intent: 'reject', requestId: requests[0]!.id },
          { cookie: admin.cookie },
        )
      ).status,
    ).toBe(409);
  });

  it('an organisation keeps at least one admin', async () => {
    const admin = await makeUser(t.db);
    await post(
      s.url,
      '/organisations/nouvelle',
      { name: 'Mairie test', kind: 'public_body' },
      { cookie: admin.cookie },
    );
    const res = await post(
      s.url,
      '/organisations/mairie-test/gestion',
      { intent: 'role', userId: admin.id, role: 'member' },
      { cookie: admin.cookie },
    );
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('au moins un administrateur');
  });
});
