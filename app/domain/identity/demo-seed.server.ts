// Demo data of the identity area: the Métropole and three communes as public bodies, a
// business, an association, and one demo account per role (TOTP disabled: demo only).
// Idempotent: a second run changes nothing.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { currentTermsVersion } from '../legal/legal.server';
import { communeByCode, loadTerritories, METROPOLE } from '../territories/territories.server';
import { hashPassword } from './passwords.server';

export const demoAccounts = [
  {
    email: 'citoyen@demo.terridata.fr',
    password: 'citoyen-demo-2026',
    pseudonym: 'Camille (démo)',
    role: 'citizen',
  },
  {
    email: 'partenaire@demo.terridata.fr',
    password: 'partenaire-demo-2026',
    pseudonym: 'Vélos Lumière (démo)',
    role: 'partner',
  },
  {
    email: 'agent@demo.terridata.fr',
    password: 'agent-demo-2026',
    pseudonym: 'Agent Métropole (démo)',
    role: 'public-body',
  },
  {
    email: 'moderateur@demo.terridata.fr',
    password: 'moderateur-demo-2026',
    pseudonym: 'Modération (démo)',
    role: 'moderator',
  },
  {
    email: 'admin@demo.terridata.fr',
    password: 'admin-demo-2026',
    pseudonym: 'Administration (démo)',
    role: 'admin',
  },
] as const;

const communeBodies = ['69123', '69266', '69259'];

const demoOrganizations = [
  {
    slug: 'metropole-de-lyon',
    name: 'Métropole de Lyon',
    kind: 'public_body',
    siren: METROPOLE.code,
    territory: METROPOLE.code,
    description:
      'La collectivité territoriale qui ouvre ce catalogue de données avec ses 58 communes.',
  },
  ...communeBodies.map((code) => {
    const c = communeByCode(code)!;
    return {
      slug: `ville-de-${c.name
        .toLowerCase()
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')}`,
      name: `Ville de ${c.name}`,
      kind: 'public_body',
      siren: c.siren,
      territory: code,
      description: `La commune de ${c.name}.`,
    };
  }),
  {
    slug: 'velos-lumiere',
    name: 'Vélos Lumière SAS',
    kind: 'business',
    siren: '123456782',
    territory: '69123',
    description:
      'Entreprise fictive de location de vélos, titulaire d’un marché public avec clause de données ouvertes (démonstration).',
  },
  {
    slug: 'amis-des-berges-du-rhone',
    name: 'Les Amis des Berges du Rhône',
    kind: 'association',
    siren: null,
    territory: '69123',
    description: 'Association fictive qui relève l’état des berges (démonstration).',
  },
] as const;

export async function seedTerritories(db: DB): Promise<void> {
  await loadTerritories(db);
}

export async function seedIdentityDemo(db: DB): Promise<void> {
  await loadTerritories(db);
  const terms = await currentTermsVersion(db);
  const orgIds = new Map<string, string>();
  for (const o of demoOrganizations) {
    const row = await db
      .insertInto('organization')
      .values({
        slug: o.slug,
        name: o.name,
        kind: o.kind,
        siren: o.siren,
        territory_code: o.territory,
        description: o.description,
        verified_at: sql`now()`,
      })
      .onConflict((oc) => oc.column('slug').doUpdateSet({ slug: sql`excluded.slug` }))
      .returning('id')
      .executeTakeFirstOrThrow();
    orgIds.set(o.slug, row.id);
  }
  const userIds = new Map<string, string>();
  for (const a of demoAccounts) {
    const existing = await db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', a.email)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    const id =
      existing?.id ??
      (
        await db
          .insertInto('users')
          .values({
            email: a.email,
            pseudonym: a.pseudonym,
            password_hash: await hashPassword(a.password),
            email_verified_at: sql`now()`,
            is_demo: true,
            is_admin: a.role === 'admin',
            terms_version: terms,
            terms_accepted_at: sql`now()`,
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    userIds.set(a.role, id);
  }
  const memberships: [string, string, 'member' | 'admin'][] = [
    ['partner', 'velos-lumiere', 'admin'],
    ['public-body', 'metropole-de-lyon', 'admin'],
    ['citizen', 'amis-des-berges-du-rhone', 'member'],
  ];
  for (const [role, slug, mrole] of memberships) {
    await db
      .insertInto('membership')
      .values({ user_id: userIds.get(role)!, organization_id: orgIds.get(slug)!, role: mrole })
      .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
      .execute();
  }
  await db
    .insertInto('moderator_scope')
    .values({
      user_id: userIds.get('moderator')!,
      kind: 'territory',
      code: METROPOLE.code,
      granted_by: userIds.get('admin')!,
    })
    .onConflict((oc) => oc.columns(['user_id', 'kind', 'code']).doNothing())
    .execute();
}
