// Contributing a dataset: drafts, their files, submission, withdrawal, and what a
// contributor (or their organisation) sees of their contributions.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { summarizeReport } from './files.server';
import type { FileItem } from './files.server';
import { draftMetadataSchema, metadataSchema } from './contributions.schema';
import type { DatasetMetadata, DraftMetadata, ReferenceLists, Translate } from './contributions.schema';
import type { ContributionState } from './state-machine';
import { editableStates } from './state-machine';
import { applyTransition, lockContribution, TransitionError } from './transitions.server';
import { autoApprove, DEFAULT_AUDIT_SHARE } from '../moderation/moderation.server';
import { hasPrivilege } from '../reputation/reputation.server';

export type ContributionErrorCode =
  | 'not_found'
  | 'forbidden'
  | 'not_editable'
  | 'already_submitted'
  | 'invalid_metadata'
  | 'no_verified_file'
  | 'file_not_ready'
  | 'file_invalid'
  | 'foreign_upload'
  | 'wrong_purpose'
  | 'not_member'
  | 'stale';

export class ContributionError extends Error {
  constructor(
    readonly code: ContributionErrorCode,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * The credential a program acts with (an API call with `Authorization: Bearer …`). An
 * organisation token speaks for its organisation: it sees and changes the contributions it
 * created and its organisation's, not the other contributions of the admin who created it
 * (decision 018). A personal key, or the site's session, sees what its owner sees.
 */
export interface ActingCredential {
  credentialId: string;
  kind: string;
  organizationId: string | null;
}

export interface Actor {
  id: string;
  credential?: ActingCredential;
}

const orgToken = (credential?: ActingCredential | null) =>
  credential?.kind === 'organization' && credential.organizationId ? credential : null;

/** An organisation token may act on what it created and on its organisation's contributions. */
async function tokenMayAct(
  trx: DB,
  actor: Actor,
  c: { id: string; organization_id: string | null },
): Promise<boolean> {
  const token = orgToken(actor.credential);
  if (!token) return true;
  if (c.organization_id === token.organizationId) return true;
  const row = await trx.selectFrom('contribution').select('credential_id').where('id', '=', c.id).executeTakeFirst();
  return row?.credential_id === token.credentialId;
}

const RIGHTS_STATEMENT_VERSION = 1;

async function isMember(db: DB, userId: string, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('membership')
    .select('role')
    .where('user_id', '=', userId)
    .where('organization_id', '=', organizationId)
    .executeTakeFirst();
  return Boolean(row);
}

/** Organisations the user may contribute on behalf of. */
export async function contributableOrganizations(db: DB, userId: string) {
  return db
    .selectFrom('membership')
    .innerJoin('organization', 'organization.id', 'membership.organization_id')
    .select(['organization.id', 'organization.name', 'organization.slug'])
    .where('membership.user_id', '=', userId)
    .orderBy('organization.name')
    .execute();
}

/** A new draft, with its first (working) revision. An update starts from the dataset's metadata. */
export async function createDraft(
  db: DB,
  actor: Actor,
  input: { kind: 'new_dataset' | 'dataset_update'; targetDatasetId?: string; contact?: { name: string; email: string } },
): Promise<{ id: string }> {
  return db.transaction().execute(async (trx) => {
    let metadata: DraftMetadata = input.contact ? { contactName: input.contact.name, contactEmail: input.contact.email } : {};
    let organizationId: string | null = null;
    if (input.kind === 'dataset_update') {
      if (!input.targetDatasetId) throw new ContributionError('not_found', 'an update needs a target dataset');
      const ds = await trx
        .selectFrom('dataset')
        .select(['id', 'metadata', 'organization_id', 'state'])
        .where('id', '=', input.targetDatasetId)
        .executeTakeFirst();
      if (!ds || ds.state !== 'published') throw new ContributionError('not_found', 'no such published dataset');
      const parsed = draftMetadataSchema.safeParse(ds.metadata);
      metadata = { ...(parsed.success ? parsed.data : {}), rightsStatement: undefined };
      organizationId = ds.organization_id && (await isMember(trx, actor.id, ds.organization_id)) ? ds.organization_id : null;
    }
    const c = await trx
      .insertInto('contribution')
      .values({
        kind: input.kind,
        submitter_id: actor.id,
        target_dataset_id: input.targetDatasetId ?? null,
        organization_id: organizationId,
        credential_id: actor.credential?.credentialId ?? null,
        title: metadata.title ?? '',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const r = await trx
      .insertInto('contribution_revision')
      .values({ contribution_id: c.id, number: 1, metadata: JSON.stringify(metadata) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('contribution').set({ current_revision_id: r.id }).where('id', '=', c.id).execute();
    return { id: c.id };
  });
}

/**
 * The revision the contributor may edit: the current one while it is not frozen; after a
 * request for changes, a new revision copying the frozen one (metadata and files).
 */
async function workingRevision(trx: DB, c: { id: string; current_revision_id: string | null }): Promise<string> {
  const current = await trx
    .selectFrom('contribution_revision')
    .select(['id', 'number', 'metadata', 'frozen_at'])
    .where('id', '=', c.current_revision_id!)
    .executeTakeFirstOrThrow();
  if (!current.frozen_at) return current.id;
  const next = await trx
    .insertInto('contribution_revision')
    .values({ contribution_id: c.id, number: current.number + 1, metadata: JSON.stringify(current.metadata) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const files = await trx.selectFrom('revision_upload').select(['upload_id', 'position']).where('revision_id', '=', current.id).execute();
  if (files.length) {
    await trx
      .insertInto('revision_upload')
      .values(files.map((f) => ({ revision_id: next.id, upload_id: f.upload_id, position: f.position })))
      .execute();
  }
  await trx.updateTable('contribution').set({ current_revision_id: next.id }).where('id', '=', c.id).execute();
  return next.id;
}

async function lockEditable(trx: DB, actor: Actor, contributionId: string) {
  const c = await lockContribution(trx, contributionId).catch((e) => {
    if (e instanceof TransitionError) throw new ContributionError('not_found', 'contribution not found');
    throw e;
  });
  if (c.submitter_id !== actor.id || !(await tokenMayAct(trx, actor, c))) throw new ContributionError('not_found', 'contribution not found');
  if (!editableStates.includes(c.state)) {
    throw new ContributionError(
      c.state === 'submitted' ? 'already_submitted' : 'not_editable',
      `a contribution that is ${c.state} cannot be edited: its revision is frozen`,
      {},
      { state: c.state },
    );
  }
  return c;
}

/** Saves what the user typed so far (never loses it); completeness is checked at submission. */
export async function saveDraft(db: DB, actor: Actor, contributionId: string, draft: DraftMetadata): Promise<void> {
  const parsed = draftMetadataSchema.safeParse(draft);
  if (!parsed.success) throw new ContributionError('invalid_metadata', 'draft fields out of bounds', fieldErrorsOf(parsed.error));
  await db.transaction().execute(async (trx) => {
    const c = await lockEditable(trx, actor, contributionId);
    const revisionId = await workingRevision(trx, c);
    const current = await trx.selectFrom('contribution_revision').select('metadata').where('id', '=', revisionId).executeTakeFirstOrThrow();
    const merged = { ...(current.metadata as object), ...parsed.data };
    await trx
      .updateTable('contribution_revision')
      .set({ metadata: JSON.stringify(merged), updated_at: sql`now()` })
      .where('id', '=', revisionId)
      .execute();
    await trx
      .updateTable('contribution')
      .set({ title: (parsed.data.title ?? (current.metadata as DraftMetadata).title ?? '').slice(0, 200), updated_at: sql`now()` })
      .where('id', '=', c.id)
      .execute();
  });
}

export async function attachUpload(db: DB, actor: Actor, contributionId: string, uploadId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const c = await lockEditable(trx, actor, contributionId);
    const upload = await trx.selectFrom('upload').select(['id', 'owner_id', 'purpose']).where('id', '=', uploadId).executeTakeFirst();
    // Another user's upload is reported as absent: ids are not an oracle.
    if (!upload || upload.owner_id !== actor.id) throw new ContributionError('foreign_upload', 'no such upload of yours', { files: ['foreign_upload'] });
    if (upload.purpose !== 'dataset') throw new ContributionError('wrong_purpose', 'not a dataset file', { files: ['wrong_purpose'] });
    const revisionId = await workingRevision(trx, c);
    const pos = await trx
      .selectFrom('revision_upload')
      .select((eb) => eb.fn.coalesce(eb.fn.max('position'), sql<number>`-1`).as('max'))
      .where('revision_id', '=', revisionId)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('revision_upload')
      .values({ revision_id: revisionId, upload_id: uploadId, position: Number(pos.max) + 1 })
      .onConflict((oc) => oc.columns(['revision_id', 'upload_id']).doNothing())
      .execute();
    await trx.updateTable('contribution').set({ updated_at: sql`now()` }).where('id', '=', c.id).execute();
  });
}

export async function detachUpload(db: DB, actor: Actor, contributionId: string, uploadId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const c = await lockEditable(trx, actor, contributionId);
    const revisionId = await workingRevision(trx, c);
    await trx.deleteFrom('revision_upload').where('revision_id', '=', revisionId).where('upload_id', '=', uploadId).execute();
  });
}

function fieldErrorsOf(error: { issues: { path: PropertyKey[]; message: string }[] }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of error.issues) {
    const key = i.path.map(String).join('.') || 'form';
    (out[key] ??= []).push(i.message);
  }
  return out;
}

export interface SubmitResult {
  state: ContributionState;
  version: number;
  revisionNumber: number;
}

/**
 * Submits (or resubmits after a request for changes) the working revision: valid metadata,
 * membership of the organisation acted for, and files that are the submitter's own and
 * verified (at least one for a new dataset; none invalid or unfinished). The revision is
 * frozen with the contributor's rights statement. One transaction; a refusal writes nothing.
 */
export async function submitContribution(
  db: DB,
  actor: Actor,
  contributionId: string,
  t: Translate,
  refs: ReferenceLists,
  opts: { auditShare?: number } = {},
): Promise<SubmitResult> {
  return db.transaction().execute(async (trx) => {
    const c = await lockEditable(trx, actor, contributionId);
    const revisionId = await workingRevision(trx, c);
    const revision = await trx
      .selectFrom('contribution_revision')
      .select(['id', 'number', 'metadata'])
      .where('id', '=', revisionId)
      .executeTakeFirstOrThrow();
    const parsed = metadataSchema(t, refs).safeParse(revision.metadata);
    if (!parsed.success) {
      throw new ContributionError('invalid_metadata', 'the metadata is incomplete or invalid', fieldErrorsOf(parsed.error));
    }
    const metadata: DatasetMetadata = parsed.data;
    // What an organisation token submits is its organisation's (decision 009), never another's.
    const token = orgToken(actor.credential);
    if (token && !metadata.organizationId) metadata.organizationId = token.organizationId!;
    if (token && metadata.organizationId !== token.organizationId) {
      throw new ContributionError('not_member', 'an organisation token submits for its own organisation', {
        organizationId: [t('contributions:errors.notMember')],
      });
    }
    if (metadata.organizationId && !(await isMember(trx, actor.id, metadata.organizationId))) {
      throw new ContributionError('not_member', 'not a member of that organisation', {
        organizationId: [t('contributions:errors.notMember')],
      });
    }
    const files = await trx
      .selectFrom('revision_upload')
      .innerJoin('upload', 'upload.id', 'revision_upload.upload_id')
      .select(['upload.id', 'upload.owner_id', 'upload.status', 'upload.filename', 'upload.purpose'])
      .where('revision_upload.revision_id', '=', revisionId)
      .execute();
    const foreign = files.find((f) => f.owner_id !== actor.id || f.purpose !== 'dataset');
    if (foreign) throw new ContributionError('foreign_upload', 'a file is not yours', { files: [t('contributions:errors.foreignUpload')] });
    const invalid = files.filter((f) => f.status === 'invalid');
    if (invalid.length) {
      throw new ContributionError('file_invalid', 'a file is invalid', {
        files: [t('contributions:errors.fileInvalid', { names: invalid.map((f) => f.filename).join(', ') })],
      });
    }
    const unfinished = files.filter((f) => f.status === 'uploading' || f.status === 'complete');
    if (unfinished.length) {
      throw new ContributionError('file_not_ready', 'a file is still uploading or being checked', {
        files: [t('contributions:errors.fileNotReady', { names: unfinished.map((f) => f.filename).join(', ') })],
      });
    }
    if (c.kind === 'new_dataset' && !files.some((f) => f.status === 'verified')) {
      throw new ContributionError('no_verified_file', 'a new dataset needs a verified file', {
        files: [t('contributions:errors.noVerifiedFile')],
      });
    }
    const now = new Date();
    await trx
      .updateTable('contribution_revision')
      .set({
        metadata: JSON.stringify(metadata),
        rights_statement: JSON.stringify({ accepted: true, version: RIGHTS_STATEMENT_VERSION, licence: metadata.licence, at: now.toISOString() }),
        frozen_at: now,
      })
      .where('id', '=', revisionId)
      .execute();
    const next = await applyTransition(trx, { ...c, current_revision_id: revisionId }, {
      action: c.state === 'changes_requested' ? 'resubmit' : 'submit',
      to: 'submitted',
      actorId: actor.id,
      set: {
        submitted_at: now,
        title: metadata.title,
        personal_data: metadata.personalData,
        organization_id: metadata.organizationId ?? null,
        current_revision_id: revisionId,
        communes: metadata.communes,
        themes: metadata.themes,
      },
    });
    // Organisation fast-track: an update by a privileged organisation is approved at once
    // (never when it holds personal data) and may be sampled for after-the-fact review.
    if (
      c.kind === 'dataset_update' &&
      metadata.organizationId &&
      !metadata.personalData &&
      (await hasPrivilege(trx, { type: 'organization', id: metadata.organizationId }, 'organization_fast_track'))
    ) {
      await autoApprove(trx, next, opts.auditShare ?? DEFAULT_AUDIT_SHARE);
      return { state: 'approved', version: next.version + 1, revisionNumber: revision.number };
    }
    return { state: next.state, version: next.version, revisionNumber: revision.number };
  });
}

export async function withdrawContribution(db: DB, actor: Actor, contributionId: string, expectedVersion?: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const c = await lockContribution(trx, contributionId).catch(() => {
      throw new ContributionError('not_found', 'contribution not found');
    });
    if (c.submitter_id !== actor.id || !(await tokenMayAct(trx, actor, c))) throw new ContributionError('not_found', 'contribution not found');
    try {
      await applyTransition(trx, c, { action: 'withdraw', to: 'withdrawn', actorId: actor.id, expectedVersion });
    } catch (e) {
      if (e instanceof TransitionError) throw new ContributionError(e.code === 'stale' ? 'stale' : 'not_editable', e.message, {}, { state: c.state });
      throw e;
    }
  });
}

/** Deletes a draft that was never submitted (its uploads stay the user's). */
export async function discardDraft(db: DB, actor: Actor, contributionId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const c = await lockContribution(trx, contributionId).catch(() => {
      throw new ContributionError('not_found', 'contribution not found');
    });
    if (c.submitter_id !== actor.id || !(await tokenMayAct(trx, actor, c))) throw new ContributionError('not_found', 'contribution not found');
    if (c.state !== 'draft') throw new ContributionError('not_editable', 'only drafts can be discarded');
    await trx.updateTable('contribution').set({ current_revision_id: null }).where('id', '=', c.id).execute();
    await trx.deleteFrom('contribution_revision').where('contribution_id', '=', c.id).execute();
    await trx.deleteFrom('contribution').where('id', '=', c.id).execute();
  });
}

export interface ContributionSummary {
  id: string;
  kind: string;
  state: ContributionState;
  title: string;
  organizationName: string | null;
  submitterPseudonym: string;
  mine: boolean;
  updatedAt: Date;
  submittedAt: Date | null;
  revisionCount: number;
  fileCount: number;
}

/**
 * The user's contributions, and those made on behalf of their organisations; through an
 * organisation token, those the token created and its organisation's (not drafts of others).
 */
export async function listContributionsFor(db: DB, userId: string, credential?: ActingCredential): Promise<ContributionSummary[]> {
  const token = orgToken(credential);
  const rows = await db
    .selectFrom('contribution as c')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .leftJoin('organization as o', 'o.id', 'c.organization_id')
    .select([
      'c.id',
      'c.kind',
      'c.state',
      'c.title',
      'o.name as organizationName',
      'u.pseudonym as submitterPseudonym',
      'c.submitter_id',
      'c.updated_at',
      'c.submitted_at',
      (eb) =>
        eb.selectFrom('contribution_revision as r').select((e) => e.fn.countAll<number>().as('n')).whereRef('r.contribution_id', '=', 'c.id').as('revisionCount'),
      (eb) =>
        eb
          .selectFrom('revision_upload as ru')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('ru.revision_id', '=', 'c.current_revision_id')
          .as('fileCount'),
    ])
    .where('c.kind', '!=', 'observation')
    .where((eb) =>
      token
        ? eb.or([
            eb('c.credential_id', '=', token.credentialId),
            eb.and([eb('c.state', '!=', 'draft'), eb('c.organization_id', '=', token.organizationId)]),
          ])
        : eb.or([
            eb('c.submitter_id', '=', userId),
            eb.and([
              eb('c.state', '!=', 'draft'),
              eb('c.organization_id', 'in', eb.selectFrom('membership').select('organization_id').where('user_id', '=', userId)),
            ]),
          ]),
    )
    .orderBy('c.updated_at', 'desc')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    state: r.state as ContributionState,
    title: r.title,
    organizationName: r.organizationName,
    submitterPseudonym: r.submitterPseudonym,
    mine: r.submitter_id === userId,
    updatedAt: r.updated_at,
    submittedAt: r.submitted_at,
    revisionCount: Number(r.revisionCount ?? 0),
    fileCount: Number(r.fileCount ?? 0),
  }));
}

export interface RevisionDetail {
  id: string;
  number: number;
  metadata: DraftMetadata;
  frozenAt: Date | null;
  rightsStatement: unknown;
  files: FileItem[];
}

export interface ContributionEvent {
  id: number;
  action: string;
  from: string;
  to: string;
  actor: string | null;
  reasonCode: string | null;
  comment: string | null;
  at: Date;
}

/** The moderation events of a contribution, oldest first, with the actor's pseudonym. */
export async function listContributionEvents(db: DB, id: string): Promise<ContributionEvent[]> {
  const rows = await db
    .selectFrom('moderation_event as e')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .select(['e.id', 'e.action', 'e.from_state', 'e.to_state', 'u.pseudonym', 'e.reason_code', 'e.comment', 'e.created_at'])
    .where('e.contribution_id', '=', id)
    .orderBy('e.id')
    .execute();
  return rows.map((e) => ({
    id: Number(e.id),
    action: e.action,
    from: e.from_state,
    to: e.to_state,
    actor: e.pseudonym,
    reasonCode: e.reason_code,
    comment: e.comment,
    at: e.created_at,
  }));
}

export interface ContributionDetail {
  id: string;
  kind: string;
  state: ContributionState;
  version: number;
  title: string;
  submitterId: string;
  submitterPseudonym: string;
  organizationId: string | null;
  organizationName: string | null;
  targetDatasetId: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  currentRevisionId: string | null;
  revisions: RevisionDetail[];
  events: ContributionEvent[];
  mine: boolean;
}

/**
 * One contribution with its revisions, files (with their reports) and history, for its
 * submitter or a member of the organisation it was made for (moderators get theirs through
 * the moderation area); through an organisation token, for the token that created it or
 * when it was made for the token's organisation. Others get `null`, as if it did not exist.
 */
export async function getContributionFor(db: DB, userId: string, id: string, credential?: ActingCredential): Promise<ContributionDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const c = await db
    .selectFrom('contribution as c')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .leftJoin('organization as o', 'o.id', 'c.organization_id')
    .selectAll('c')
    .select(['u.pseudonym', 'o.name as organization_name'])
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!c) return null;
  const mine = c.submitter_id === userId;
  const token = orgToken(credential);
  if (token) {
    if (c.credential_id !== token.credentialId && !(c.state !== 'draft' && c.organization_id === token.organizationId)) return null;
  } else if (!mine && !(c.state !== 'draft' && c.organization_id && (await isMember(db, userId, c.organization_id)))) return null;
  const revisions = await db
    .selectFrom('contribution_revision')
    .select(['id', 'number', 'metadata', 'frozen_at', 'rights_statement'])
    .where('contribution_id', '=', id)
    .orderBy('number', 'desc')
    .execute();
  const files = await db
    .selectFrom('revision_upload')
    .innerJoin('upload', 'upload.id', 'revision_upload.upload_id')
    .selectAll('upload')
    .select(['revision_upload.revision_id', 'revision_upload.position'])
    .where(
      'revision_upload.revision_id',
      'in',
      revisions.map((r) => r.id).concat(['00000000-0000-0000-0000-000000000000']),
    )
    .orderBy('revision_upload.position')
    .execute();
  const events = await listContributionEvents(db, id);
  return {
    id: c.id,
    kind: c.kind,
    state: c.state as ContributionState,
    version: c.version,
    title: c.title,
    submitterId: c.submitter_id,
    submitterPseudonym: c.pseudonym,
    organizationId: c.organization_id,
    organizationName: c.organization_name,
    targetDatasetId: c.target_dataset_id,
    createdAt: c.created_at,
    submittedAt: c.submitted_at,
    currentRevisionId: c.current_revision_id,
    mine,
    revisions: revisions.map((r) => ({
      id: r.id,
      number: r.number,
      metadata: r.metadata as DraftMetadata,
      frozenAt: r.frozen_at,
      rightsStatement: r.rights_statement,
      files: files
        .filter((f) => f.revision_id === r.id)
        .map((f) => ({
          id: f.id,
          filename: f.filename,
          status: f.status as FileItem['status'],
          declaredSize: f.declared_size,
          offset: f.offset,
          sha256: f.sha256,
          detectedFormat: f.detected_format,
          ...summarizeReport(f.report),
        })),
    })),
    events,
  };
}
