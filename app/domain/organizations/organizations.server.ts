// Organisations (public bodies, businesses, associations), their members, the
// request-to-join flow (approved by an organisation admin) and verification by a platform
// admin.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import { sendEmail } from '../email/outbox.server';
import type { Mailing } from '../identity/accounts.server';
import type { MembershipRole } from '../identity/permissions.server';
import type { OrganizationInput, OrganizationKind } from './organizations.schema';

export function slugify(name: string): string {
  return (
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'organisation'
  );
}

async function freeSlug(db: DB, name: string): Promise<string> {
  const base = slugify(name);
  const taken = new Set(
    (
      await db.selectFrom('organization').select('slug').where('slug', 'like', `${base}%`).execute()
    ).map((r) => r.slug),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export interface Organization {
  id: string;
  slug: string;
  name: string;
  kind: OrganizationKind;
  siren: string | null;
  territoryCode: string | null;
  territoryName: string | null;
  description: string;
  website: string | null;
  verified: boolean;
  verifiedAt: Date | null;
  createdAt: Date;
  memberCount: number;
}

const orgColumns = [
  'organization.id',
  'organization.slug',
  'organization.name',
  'organization.kind',
  'organization.siren',
  'organization.territory_code as territoryCode',
  'territory.name as territoryName',
  'organization.description',
  'organization.website',
  'organization.verified_at as verifiedAt',
  'organization.created_at as createdAt',
] as const;

function baseQuery(db: DB) {
  return db
    .selectFrom('organization')
    .leftJoin('territory', 'territory.code', 'organization.territory_code')
    .select(orgColumns)
    .select((eb) =>
      eb
        .selectFrom('membership')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('membership.organization_id', '=', 'organization.id')
        .as('memberCount'),
    );
}

type OrgRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;
const toOrganization = (r: OrgRow): Organization => ({
  ...r,
  kind: r.kind as OrganizationKind,
  verified: r.verifiedAt !== null,
  memberCount: r.memberCount ?? 0,
});

/** Creates an organisation; its creator becomes its first admin. Unverified until a platform admin checks it. */
export async function createOrganization(
  db: DB,
  userId: string,
  input: OrganizationInput,
): Promise<Organization> {
  return db.transaction().execute(async (trx) => {
    const slug = await freeSlug(trx, input.name);
    const org = await trx
      .insertInto('organization')
      .values({
        slug,
        name: input.name,
        kind: input.kind,
        siren: input.siren || null,
        territory_code: input.territoryCode ?? null,
        description: input.description ?? '',
        website: input.website ?? null,
        created_by: userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('membership')
      .values({ organization_id: org.id, user_id: userId, role: 'admin' })
      .execute();
    return toOrganization(
      await baseQuery(trx).where('organization.id', '=', org.id).executeTakeFirstOrThrow(),
    );
  });
}

export async function getOrganizationBySlug(db: DB, slug: string): Promise<Organization | null> {
  const r = await baseQuery(db).where('organization.slug', '=', slug).executeTakeFirst();
  return r ? toOrganization(r) : null;
}

export async function getOrganizationById(db: DB, id: string): Promise<Organization | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await baseQuery(db).where('organization.id', '=', id).executeTakeFirst();
  return r ? toOrganization(r) : null;
}

export async function listOrganizations(
  db: DB,
  opts: { q?: string; verified?: boolean; limit?: number } = {},
): Promise<Organization[]> {
  let q = baseQuery(db)
    .orderBy('organization.name')
    .limit(opts.limit ?? 200);
  if (opts.q)
    q = q.where(sql<boolean>`unaccent(organization.name) ilike unaccent(${'%' + opts.q + '%'})`);
  if (opts.verified !== undefined)
    q = q.where('organization.verified_at', opts.verified ? 'is not' : 'is', null);
  return (await q.execute()).map(toOrganization);
}

export async function listUserMemberships(db: DB, userId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('organization', 'organization.id', 'membership.organization_id')
    .select([
      'organization.id',
      'organization.slug',
      'organization.name',
      'organization.kind',
      'membership.role',
      'membership.created_at as since',
    ])
    .where('membership.user_id', '=', userId)
    .orderBy('organization.name')
    .execute();
}

export async function listMembers(db: DB, organizationId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('users', 'users.id', 'membership.user_id')
    .select([
      'users.id as userId',
      'users.pseudonym',
      'membership.role',
      'membership.created_at as since',
    ])
    .where('membership.organization_id', '=', organizationId)
    .orderBy('users.pseudonym')
    .execute();
}

export type JoinRequestResult = 'requested' | 'alreadyMember' | 'alreadyPending';

export async function requestToJoin(
  db: DB,
  userId: string,
  organizationId: string,
  message: string,
  mailing: Pick<Mailing, 'baseUrl'>,
): Promise<JoinRequestResult> {
  return db.transaction().execute(async (trx) => {
    const member = await trx
      .selectFrom('membership')
      .select('role')
      .where('organization_id', '=', organizationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (member) return 'alreadyMember';
    const inserted = await trx
      .insertInto('membership_request')
      .values({ organization_id: organizationId, user_id: userId, message })
      .onConflict((oc) =>
        oc.columns(['organization_id', 'user_id']).where('status', '=', 'pending').doNothing(),
      )
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return 'alreadyPending';
    const org = await trx
      .selectFrom('organization')
      .select(['name', 'slug'])
      .where('id', '=', organizationId)
      .executeTakeFirstOrThrow();
    const applicant = await trx
      .selectFrom('users')
      .select('pseudonym')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    const admins = await trx
      .selectFrom('membership')
      .innerJoin('users', 'users.id', 'membership.user_id')
      .select(['users.id', 'users.email', 'users.locale'])
      .where('membership.organization_id', '=', organizationId)
      .where('membership.role', '=', 'admin')
      .where('users.deleted_at', 'is', null)
      .execute();
    for (const a of admins) {
      await sendEmail(trx, {
        to: a.email,
        userId: a.id,
        template: 'join_request',
        locale: a.locale,
        params: {
          organization: org.name,
          pseudonym: applicant.pseudonym,
          message,
          url: `${mailing.baseUrl}/organisations/${org.slug}/gestion`,
        },
      });
    }
    return 'requested';
  });
}

export async function getPendingRequest(db: DB, userId: string, organizationId: string) {
  return db
    .selectFrom('membership_request')
    .select(['id', 'created_at'])
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

export async function listJoinRequests(db: DB, organizationId: string) {
  return db
    .selectFrom('membership_request')
    .innerJoin('users', 'users.id', 'membership_request.user_id')
    .select([
      'membership_request.id',
      'users.pseudonym',
      'membership_request.message',
      'membership_request.created_at as createdAt',
    ])
    .where('membership_request.organization_id', '=', organizationId)
    .where('membership_request.status', '=', 'pending')
    .orderBy('membership_request.created_at')
    .execute();
}

/** An organisation admin approves or rejects a pending request (the caller has checked the role). */
export async function decideJoinRequest(
  db: DB,
  actorId: string,
  organizationId: string,
  requestId: string,
  approve: boolean,
  mailing: Pick<Mailing, 'baseUrl'>,
): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(requestId)) return false;
  return db.transaction().execute(async (trx) => {
    const req = await trx
      .updateTable('membership_request')
      .set({
        status: approve ? 'approved' : 'rejected',
        decided_at: sql`now()`,
        decided_by: actorId,
      })
      .where('id', '=', requestId)
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'pending')
      .returning(['user_id'])
      .executeTakeFirst();
    if (!req) return false;
    if (approve) {
      await trx
        .insertInto('membership')
        .values({ organization_id: organizationId, user_id: req.user_id, role: 'member' })
        .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
        .execute();
    }
    const org = await trx
      .selectFrom('organization')
      .select(['name', 'slug'])
      .where('id', '=', organizationId)
      .executeTakeFirstOrThrow();
    const u = await trx
      .selectFrom('users')
      .select(['email', 'pseudonym', 'locale', 'deleted_at'])
      .where('id', '=', req.user_id)
      .executeTakeFirstOrThrow();
    if (!u.deleted_at) {
      await sendEmail(trx, {
        to: u.email,
        userId: req.user_id,
        template: 'join_decision',
        locale: u.locale,
        params: {
          organization: org.name,
          pseudonym: u.pseudonym,
          approved: approve ? 'yes' : 'no',
          url: `${mailing.baseUrl}/organisations/${org.slug}`,
        },
      });
    }
    return true;
  });
}

/** Changes a member's role or removes them; an organisation keeps at least one admin. */
export async function updateMember(
  db: DB,
  organizationId: string,
  userId: string,
  change: { role: MembershipRole } | { remove: true },
): Promise<'ok' | 'lastAdmin' | 'notMember'> {
  return db.transaction().execute(async (trx) => {
    const admins = await trx
      .selectFrom('membership')
      .select('user_id')
      .where('organization_id', '=', organizationId)
      .where('role', '=', 'admin')
      .forUpdate()
      .execute();
    const isAdmin = admins.some((a) => a.user_id === userId);
    const demotes = 'remove' in change || change.role !== 'admin';
    if (isAdmin && demotes && admins.length === 1) return 'lastAdmin';
    const q =
      'remove' in change
        ? trx
            .deleteFrom('membership')
            .where('organization_id', '=', organizationId)
            .where('user_id', '=', userId)
        : trx
            .updateTable('membership')
            .set({ role: change.role })
            .where('organization_id', '=', organizationId)
            .where('user_id', '=', userId);
    const r = await q.executeTakeFirst();
    const n = 'numDeletedRows' in r ? r.numDeletedRows : r.numUpdatedRows;
    return Number(n) ? 'ok' : 'notMember';
  });
}

/** A platform admin marks an organisation verified (or not); audited. */
export async function setOrganizationVerified(
  db: DB,
  adminId: string,
  organizationId: string,
  verified: boolean,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('organization')
      .set(
        verified
          ? { verified_at: sql`now()`, verified_by: adminId }
          : { verified_at: null, verified_by: null },
      )
      .where('id', '=', organizationId)
      .executeTakeFirst();
    if (!Number(r.numUpdatedRows)) return false;
    await appendAuditLog(trx, {
      actorId: adminId,
      action: verified ? 'organization.verify' : 'organization.unverify',
      targetType: 'organization',
      targetId: organizationId,
    });
    return true;
  });
}
