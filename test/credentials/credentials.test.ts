// The credential model: personal reuser keys and organisation tokens, stored hashed, shown
// once, scoped, revocable, with their last use; and the Bearer header they travel in.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateBearer,
  bearerSecret,
  createOrganizationToken,
  createPersonalKey,
  listOrganizationTokens,
  listPersonalKeys,
  revokeCredential,
  verifyCredential,
} from '../../app/domain/credentials/credentials.server';
import { credentialInQuery } from '../../app/domain/credentials/credentials-in-url';
import { deleteAccount } from '../../app/domain/identity/personal-data.features.server';
import { createTestDatabase } from '../support/db';
import type { TestDatabase } from '../support/db';
import { createUserWithSession } from '../support/auth';

let t: TestDatabase;
let orgId: string;
let adminId: string;
let memberId: string;
let outsiderId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  adminId = (await createUserWithSession(t.db)).user.id;
  memberId = (await createUserWithSession(t.db)).user.id;
  outsiderId = (await createUserWithSession(t.db)).user.id;
  orgId = (
    await t.db
      .insertInto('organization')
      .values({ slug: 'velos-test', name: 'Vélos Test', kind: 'business', siren: '123456782' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await t.db
    .insertInto('membership')
    .values([
      { user_id: adminId, organization_id: orgId, role: 'admin' },
      { user_id: memberId, organization_id: orgId, role: 'member' },
    ])
    .execute();
});
afterAll(async () => t?.close());

describe('personal reuser keys', () => {
  it('are shown once: only a hash and a short prefix are stored', async () => {
    const { id, secret } = await createPersonalKey(t.db, outsiderId, {
      name: 'Mon appli',
      purpose: 'Carte des arceaux vélo pour mon quartier',
    });
    expect(secret).toMatch(/^td_pk_[A-Za-z0-9_-]{43}$/);
    const row = await t.db
      .selectFrom('credential')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain(secret.slice(10));
    expect(row.display_prefix).toBe(secret.slice(0, 10));
    const [listed] = await listPersonalKeys(t.db, outsiderId);
    expect(listed).toMatchObject({
      id,
      name: 'Mon appli',
      scopes: ['read'],
      displayPrefix: secret.slice(0, 10),
      lastUsedAt: null,
    });
  });

  it('verify, record their last use, and carry the declared purpose', async () => {
    const { id, secret } = await createPersonalKey(t.db, outsiderId, {
      name: 'Analyse',
      purpose: 'Étude de la fréquentation des pistes',
    });
    const v = await verifyCredential(t.db, secret);
    expect(v).toMatchObject({
      ok: true,
      principal: {
        credentialId: id,
        kind: 'personal',
        userId: outsiderId,
        purpose: 'Étude de la fréquentation des pistes',
        scopes: ['read'],
      },
    });
    const row = await t.db
      .selectFrom('credential')
      .select('last_used_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).not.toBeNull();
  });

  it('may name an organisation only of which the owner is a member', async () => {
    await expect(
      createPersonalKey(t.db, outsiderId, {
        name: 'Pour Vélos',
        purpose: 'Réutilisation pour le compte de Vélos Test',
        organizationId: orgId,
      }),
    ).rejects.toMatchObject({
      code: 'not_member',
    });
    const ok = await createPersonalKey(t.db, memberId, {
      name: 'Pour Vélos',
      purpose: 'Réutilisation pour le compte de Vélos Test',
      organizationId: orgId,
    });
    expect((await verifyCredential(t.db, ok.secret)).ok).toBe(true);
  });

  it('once revoked are refused as revoked, and only their owner may revoke them', async () => {
    const { id, secret } = await createPersonalKey(t.db, outsiderId, {
      name: 'À révoquer',
      purpose: 'Une clé qui sera révoquée',
    });
    await expect(revokeCredential(t.db, memberId, id)).rejects.toMatchObject({ code: 'not_found' });
    await revokeCredential(t.db, outsiderId, id);
    expect(await verifyCredential(t.db, secret)).toEqual({ ok: false, reason: 'revoked' });
    await expect(revokeCredential(t.db, outsiderId, id)).rejects.toMatchObject({
      code: 'already_revoked',
    });
    const audit = await t.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', id)
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['credential.create', 'credential.revoke']);
  });
});

describe('organisation tokens', () => {
  it('are created by an organisation admin only, with the scopes chosen', async () => {
    await expect(
      createOrganizationToken(t.db, memberId, orgId, {
        name: 'Livraisons',
        scopes: ['contribute'],
      }),
    ).rejects.toMatchObject({ code: 'not_org_admin' });
    const { secret } = await createOrganizationToken(t.db, adminId, orgId, {
      name: 'Livraisons',
      scopes: ['contribute', 'read'],
    });
    expect(secret).toMatch(/^td_ot_/);
    const v = await verifyCredential(t.db, secret);
    expect(v).toMatchObject({
      ok: true,
      principal: {
        kind: 'organization',
        organizationId: orgId,
        userId: adminId,
        scopes: ['read', 'contribute'],
      },
    });
    expect((await listOrganizationTokens(t.db, orgId)).map((c) => c.name)).toContain('Livraisons');
  });

  it('are checked against the scope an operation needs (403 for a missing scope, 401 for unknown or revoked)', async () => {
    const { id, secret } = await createOrganizationToken(t.db, adminId, orgId, {
      name: 'Usage',
      scopes: ['read-usage'],
    });
    expect(await authenticateBearer(t.db, `Bearer ${secret}`, 'read-usage')).toMatchObject({
      ok: true,
    });
    expect(await authenticateBearer(t.db, `Bearer ${secret}`, 'contribute')).toMatchObject({
      ok: false,
      status: 403,
      reason: 'scope',
    });
    expect(await authenticateBearer(t.db, `Bearer td_ot_${'x'.repeat(43)}`, 'read')).toMatchObject({
      ok: false,
      status: 401,
      reason: 'unknown',
    });
    expect(await authenticateBearer(t.db, 'Basic abc', 'read')).toMatchObject({
      ok: false,
      status: 401,
      reason: 'malformed',
    });
    expect(await authenticateBearer(t.db, null, 'read')).toBeNull();
    await revokeCredential(t.db, adminId, id);
    expect(await authenticateBearer(t.db, `Bearer ${secret}`, 'read-usage')).toMatchObject({
      ok: false,
      status: 401,
      reason: 'revoked',
    });
  });

  it('stop working when their creator leaves the organisation', async () => {
    const second = (await createUserWithSession(t.db)).user.id;
    await t.db
      .insertInto('membership')
      .values({ user_id: second, organization_id: orgId, role: 'admin' })
      .execute();
    const { secret } = await createOrganizationToken(t.db, second, orgId, {
      name: 'Programme',
      scopes: ['read'],
    });
    expect((await verifyCredential(t.db, secret)).ok).toBe(true);
    await t.db.deleteFrom('membership').where('user_id', '=', second).execute();
    expect(await verifyCredential(t.db, secret)).toEqual({ ok: false, reason: 'inactive' });
  });

  it('are revoked (not deleted) when their creator deletes the account; personal keys are erased', async () => {
    const leaving = (await createUserWithSession(t.db)).user.id;
    await t.db
      .insertInto('membership')
      .values({ user_id: leaving, organization_id: orgId, role: 'admin' })
      .execute();
    const token = await createOrganizationToken(t.db, leaving, orgId, {
      name: 'Héritage',
      scopes: ['read'],
    });
    const key = await createPersonalKey(t.db, leaving, {
      name: 'Perso',
      purpose: 'Clé personnelle à effacer',
    });
    await deleteAccount(t.db, leaving);
    expect(
      await t.db.selectFrom('credential').select('id').where('id', '=', key.id).executeTakeFirst(),
    ).toBeUndefined();
    const kept = await t.db
      .selectFrom('credential')
      .select(['user_id', 'revoked_at'])
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(kept.user_id).toBeNull();
    expect(kept.revoked_at).not.toBeNull();
    expect((await verifyCredential(t.db, token.secret)).ok).toBe(false);
  });

  it('the database refuses an unknown scope or an organisation token without organisation', async () => {
    await expect(
      sql`insert into credential (kind, user_id, name, scopes, display_prefix, secret_hash) values ('organization', ${adminId}, 'x', array['read'], 'td_ot_x', 'h1')`.execute(
        t.db,
      ),
    ).rejects.toThrow(/credential_org_token_has_org/);
    await expect(
      sql`insert into credential (kind, user_id, name, scopes, display_prefix, secret_hash) values ('personal', ${adminId}, 'x', array['admin'], 'td_pk_x', 'h2')`.execute(
        t.db,
      ),
    ).rejects.toThrow(/credential_scopes_known/);
  });
});

describe('where a credential may travel', () => {
  it('is read from the Bearer header only', () => {
    expect(bearerSecret('Bearer td_pk_abc')).toBe('td_pk_abc');
    expect(bearerSecret('bearer   td_pk_abc ')).toBe('td_pk_abc');
    expect(bearerSecret('Token td_pk_abc')).toBe('');
    expect(bearerSecret(undefined)).toBeNull();
  });

  it('is recognised in a query string, by name or by its look', () => {
    expect(credentialInQuery('?token=abc')).toBe('token');
    expect(credentialInQuery('?api_key=abc&x=1')).toBe('api_key');
    expect(credentialInQuery('q=velo&KEY=1')).toBe('key');
    expect(credentialInQuery(`?q=td_pk_${'a'.repeat(43)}`)).toBe('value');
    expect(credentialInQuery(`?q=${encodeURIComponent(`td_ot_${'b'.repeat(43)}`)}`)).toBe('value');
    expect(credentialInQuery('?q=velo&page=2&theme=mobilite')).toBeNull();
    expect(credentialInQuery('')).toBeNull();
  });
});
