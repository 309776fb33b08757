// The identity demo seed: territories, public bodies, a business, an association and one
// demo account per role; idempotent; demo accounts sign in without a second factor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../app/domain/identity/accounts.server';
import {
  demoAccounts,
  seedIdentityDemo,
  seedTerritories,
} from '../../app/domain/identity/demo-seed.server';
import { getRoles } from '../../app/domain/identity/permissions.server';
import { isValidSiren } from '../../app/domain/organizations/siren';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

const counts = async () => ({
  territory: (await t.db.selectFrom('territory').select('code').execute()).length,
  organization: (await t.db.selectFrom('organization').select('id').execute()).length,
  users: (await t.db.selectFrom('users').select('id').execute()).length,
  membership: (await t.db.selectFrom('membership').select('user_id').execute()).length,
  scopes: (await t.db.selectFrom('moderator_scope').select('id').execute()).length,
});

describe('identity demo seed', () => {
  it('seeds once, and a second run changes nothing', async () => {
    await seedTerritories(t.db);
    await seedIdentityDemo(t.db);
    const first = await counts();
    expect(first).toEqual({ territory: 59, organization: 6, users: 5, membership: 3, scopes: 1 });
    await seedTerritories(t.db);
    await seedIdentityDemo(t.db);
    expect(await counts()).toEqual(first);
  });

  it('has the Métropole and 3 communes as verified public bodies, a business with a valid SIREN, an association', async () => {
    const orgs = await t.db
      .selectFrom('organization')
      .select(['slug', 'kind', 'siren', 'verified_at'])
      .orderBy('slug')
      .execute();
    expect(
      orgs
        .filter((o) => o.kind === 'public_body')
        .map((o) => o.slug)
        .sort(),
    ).toEqual([
      'metropole-de-lyon',
      'ville-de-lyon',
      'ville-de-venissieux',
      'ville-de-villeurbanne',
    ]);
    const business = orgs.find((o) => o.kind === 'business')!;
    expect(isValidSiren(business.siren!)).toBe(true);
    expect(orgs.filter((o) => o.kind === 'association')).toHaveLength(1);
    expect(orgs.every((o) => o.verified_at)).toBe(true);
  });

  it('every demo account signs in with its password, without a second factor, and holds its role', async () => {
    for (const a of demoAccounts) {
      const r = await signIn(
        t.db,
        { email: a.email, password: a.password, ip: `seed-${a.role}` },
        { baseUrl: 'http://x', locale: 'fr' },
      );
      expect(r, a.email).toMatchObject({ ok: true, secondFactor: false, termsOutdated: false });
      const u = await t.db
        .selectFrom('users')
        .select(['id', 'is_admin', 'is_demo', 'totp_enabled_at'])
        .where('email', '=', a.email)
        .executeTakeFirstOrThrow();
      expect(u.is_demo).toBe(true);
      const roles = await getRoles(t.db, {
        id: u.id,
        isAdmin: u.is_admin,
        isDemo: true,
        totpEnabled: false,
      });
      expect(roles.needsSecondFactor).toBe(false);
      if (a.role === 'admin') expect(roles.isAdmin).toBe(true);
      if (a.role === 'moderator')
        expect(roles.moderatorScopes).toEqual([{ kind: 'territory', code: '200046977' }]);
    }
  });
});
