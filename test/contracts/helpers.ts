// Fixtures for contract tests: organisations with an admin, a recorded contract, and
// deliveries made through the real contribution, moderation and publication paths.
import { randomBytes } from 'node:crypto';
import type { DB } from '../../db/client';
import { isValidSiren } from '../../app/domain/organizations/siren';
import {
  attachUpload,
  createDraft,
  saveDraft,
  submitContribution,
} from '../../app/domain/contributions/contributions.server';
import type {
  DraftMetadata,
  ReferenceLists,
} from '../../app/domain/contributions/contributions.schema';
import {
  approveContribution,
  claimNextContribution,
} from '../../app/domain/moderation/moderation.server';
import type { Moderator } from '../../app/domain/moderation/moderation.server';
import { publishApprovedContribution } from '../../app/domain/moderation/publish.server';
import { linkDelivery } from '../../app/domain/contracts/fulfilment.server';
import { createUserWithSession } from '../support/auth';
import type { SignedInTestUser } from '../support/auth';
import { keyT, validDraft } from '../contributions/helpers';
import { storedUpload } from '../moderation/helpers';

export interface TestOrg {
  id: string;
  slug: string;
  name: string;
  admin: SignedInTestUser;
}

/** A random SIREN with a valid Luhn check digit. */
export function randomSiren(): string {
  const body = Array.from({ length: 8 }, () => Math.floor(Math.random() * 10));
  for (let check = 0; check < 10; check++) {
    const v = [...body, check].join('');
    if (isValidSiren(v)) return v;
  }
  throw new Error('unreachable');
}

export async function makeOrg(
  db: DB,
  kind: 'public_body' | 'business' | 'association',
  name?: string,
  opts: { secret?: string } = {},
): Promise<TestOrg> {
  const tag = randomBytes(3).toString('hex');
  const admin = await createUserWithSession(db, { secret: opts.secret });
  const org = await db
    .insertInto('organization')
    .values({
      name: name ?? `Org ${tag}`,
      slug: `org-${kind.replace('_', '-')}-${tag}`,
      kind,
      siren: kind === 'business' ? randomSiren() : null,
      created_by: admin.user.id,
    })
    .returning(['id', 'slug', 'name'])
    .executeTakeFirstOrThrow();
  await db
    .insertInto('membership')
    .values({ organization_id: org.id, user_id: admin.user.id, role: 'admin' })
    .execute();
  return { ...org, admin };
}

export async function addMember(
  db: DB,
  org: { id: string },
  role: 'member' | 'admin' = 'member',
): Promise<SignedInTestUser> {
  const u = await createUserWithSession(db);
  await db
    .insertInto('membership')
    .values({ organization_id: org.id, user_id: u.user.id, role })
    .execute();
  return u;
}

export const contractInput = (
  publicBodyId: string,
  contractorId: string,
  overrides: Record<string, unknown> = {},
) => ({
  publicBodyId,
  contractorId,
  reference: `MP-${randomBytes(3).toString('hex')}`,
  title: 'Délégation de service public du vélo en libre-service',
  startsOn: '2027-01-01',
  endsOn: '2027-12-31',
  noticeUrl: 'https://www.boamp.fr/avis/detail/27-12345',
  obligations: [
    {
      datasetTitle: 'Disponibilité des stations',
      frequency: 'monthly',
      expectedFormat: 'CSV, une ligne par station et par heure',
      licence: 'lo-2.0',
    },
  ],
  ...overrides,
});

/**
 * A delivery by a member of the contractor: a draft made for the organisation, linked to
 * the obligation (at `dueOn`), then submitted.
 */
export async function deliver(
  db: DB,
  refs: ReferenceLists,
  uploadsDir: string,
  opts: {
    memberId: string;
    organizationId: string;
    obligationId: string;
    dueOn?: string;
    targetDatasetId?: string;
    draft?: DraftMetadata;
    submit?: boolean;
  },
): Promise<string> {
  const actor = { id: opts.memberId };
  const { id } = await createDraft(db, actor, {
    kind: opts.targetDatasetId ? 'dataset_update' : 'new_dataset',
    targetDatasetId: opts.targetDatasetId,
  });
  await linkDelivery(db, actor, opts.obligationId, { contributionId: id, dueOn: opts.dueOn }, keyT);
  await saveDraft(
    db,
    actor,
    id,
    validDraft({ organizationId: opts.organizationId, ...opts.draft }),
  );
  await attachUpload(
    db,
    actor,
    id,
    await storedUpload(
      db,
      opts.memberId,
      uploadsDir,
      `station;velos\nA;${randomBytes(2).toString('hex')}\n`,
    ),
  );
  if (opts.submit !== false) await submitContribution(db, actor, id, keyT, refs, { auditShare: 0 });
  return id;
}

/** The moderator claims the next item (checked to be `id`), approves it, and it is published. */
export async function approveAndPublish(db: DB, m: Moderator, id: string, uploadsDir: string) {
  const claim = await claimNextContribution(db, m, { kind: 'dataset' });
  if (claim?.id !== id) throw new Error(`expected to claim ${id}, got ${claim?.id}`);
  await approveContribution(db, m, id, { expectedVersion: claim.version });
  return publishApprovedContribution(db, id, { uploadsDir });
}
