// Citizen observations: submission (a contribution of kind 'observation' through the one
// state machine, plus its observation row), confirmations by other citizens and the crowd
// quality grade they give, publication after approval, "resolved" marks by moderators, and
// what the pages show (who may see what). Ledger entries go through the ledger module.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { appendAuditLog } from '../admin/audit.server';
import { applyTransition, lockContribution } from '../contributions/transitions.server';
import type { ContributionState } from '../contributions/state-machine';
import { enqueueJob } from '../jobs/jobs.server';
import { autoApprove, DEFAULT_AUDIT_SHARE, hasConflict, inScope, loadModerator } from '../moderation/moderation.server';
import type { Moderator } from '../moderation/moderation.server';
import { creditConfirmationReceived, creditConfirmersOnPublication, hasOpenFlag } from '../reputation/confirmations.server';
import type { LedgerTransaction } from '../reputation/ledger.server';
import { getStanding, hasPrivilege } from '../reputation/reputation.server';
import { MIN_CONFIRMER_ACCOUNT_AGE_DAYS } from '../reputation/rules';
import { communeAt, METROPOLE } from '../territories/territories.server';
import { processUpload } from '../uploads/process-upload.server';
import type { ObjectStorage } from '../storage/storage.server';
import { CONFIRMED_WEIGHT, observationSchema } from './observations.schema';
import type { Grade, Translate } from './observations.schema';

export const PROCESS_PHOTO_TASK = 'process_photo';

export const defaultCategories = [
  ['voirie', 'Voirie', 'Roads and pavements'],
  ['eclairage_public', 'Éclairage public', 'Street lighting'],
  ['proprete', 'Propreté', 'Cleanliness'],
  ['mobilier_urbain', 'Mobilier urbain', 'Street furniture'],
  ['arbres_espaces_verts', 'Arbres et espaces verts', 'Trees and green spaces'],
  ['accessibilite', 'Accessibilité', 'Accessibility'],
  ['stationnement_velo', 'Stationnement vélo', 'Bicycle parking'],
  ['bruit', 'Bruit', 'Noise'],
  ['qualite_air', 'Qualité de l’air', 'Air quality'],
  ['autre', 'Autre', 'Other'],
] as const;

/** Reference seed step: the categories of the issue, never overwriting what admins changed. */
export async function seedObservationCategories(db: DB): Promise<void> {
  await db
    .insertInto('observation_category')
    .values(defaultCategories.map(([code, label_fr, label_en], position) => ({ code, label_fr, label_en, position })))
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
}

export interface CategoryOption {
  code: string;
  label: string;
}

export async function listCategories(db: DB, lng: string, opts: { activeOnly?: boolean } = {}): Promise<CategoryOption[]> {
  let q = db.selectFrom('observation_category').select(['code', 'label_fr', 'label_en']).orderBy('position').orderBy('code');
  if (opts.activeOnly !== false) q = q.where('active', '=', true);
  const rows = await q.execute();
  return rows.map((r) => ({ code: r.code, label: lng === 'en' ? r.label_en : r.label_fr }));
}

export type ObservationErrorCode =
  | 'invalid'
  | 'outside'
  | 'photo_refused'
  | 'photo_not_ready'
  | 'not_found'
  | 'own_observation'
  | 'own_organization'
  | 'already_confirmed'
  | 'not_confirmable';

export class ObservationError extends Error {
  constructor(
    readonly code: ObservationErrorCode,
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

function fieldErrorsOf(error: { issues: { path: PropertyKey[]; message: string }[] }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of error.issues) {
    const key = i.path.map(String).join('.') || 'form';
    (out[key] ??= []).push(i.message);
  }
  return out;
}

export interface SubmitObservationOptions {
  t: Translate;
  /** Where the photo's bytes are (a finished photo upload not yet checked is checked here). */
  storage: ObjectStorage;
  /** Language of the refusal reasons found in a photo's bytes. */
  lng?: string;
  auditShare?: number;
  now?: () => Date;
}

/**
 * Checks the photo upload named by the form: the submitter's own, a photo, verified (a
 * finished upload not yet checked is checked here: photos are small). A refusal names the
 * reason found in the bytes (e.g. a program renamed .jpg).
 */
async function checkPhoto(db: DB, userId: string, uploadId: string, opts: SubmitObservationOptions): Promise<void> {
  const t = opts.t;
  let row = await db.selectFrom('upload').select(['id', 'owner_id', 'purpose', 'status', 'report']).where('id', '=', uploadId).executeTakeFirst();
  if (!row || row.owner_id !== userId || row.purpose !== 'photo') {
    throw new ObservationError('photo_refused', 'no such photo of yours', { photoUploadId: [t('observations:errors.photoUnknown')] });
  }
  if (row.status === 'complete') {
    await processUpload(db, { storage: opts.storage, createInspector: null }, uploadId);
    row = await db.selectFrom('upload').select(['id', 'owner_id', 'purpose', 'status', 'report']).where('id', '=', uploadId).executeTakeFirstOrThrow();
  }
  if (row.status === 'uploading') {
    throw new ObservationError('photo_not_ready', 'the photo is still uploading', { photoUploadId: [t('observations:errors.photoNotReady')] });
  }
  if (row.status === 'invalid') {
    const reasons = ((row.report as { reasons?: { fr?: string; en?: string }[] } | null)?.reasons ?? [])
      .map((r) => (opts.lng === 'en' ? r.en : r.fr))
      .filter(Boolean)
      .join(' ');
    throw new ObservationError('photo_refused', 'the photo was refused', {
      photoUploadId: [t('observations:errors.photoRefused', { reason: reasons })],
    });
  }
  const used = await db.selectFrom('observation').select('id').where('photo_upload_id', '=', uploadId).executeTakeFirst();
  if (used) throw new ObservationError('photo_refused', 'photo already used', { photoUploadId: [t('observations:errors.photoUsed')] });
}

/**
 * Submits an observation: validated, placed in its commune, stored as a contribution
 * (draft → submitted through the state machine) with its observation row, in one
 * transaction. A trusted observer's is auto-approved (and so published) at once. A photo
 * is re-encoded by the process_photo job before anyone else can see it.
 */
export async function submitObservation(
  db: DB,
  actor: { id: string },
  raw: Record<string, unknown>,
  opts: SubmitObservationOptions,
): Promise<{ id: string; state: ContributionState }> {
  const t = opts.t;
  const categories = await db.selectFrom('observation_category').select(['code', 'label_fr']).where('active', '=', true).execute();
  const parsed = observationSchema(
    t,
    categories.map((c) => c.code),
    opts.now,
  ).safeParse(raw);
  if (!parsed.success) throw new ObservationError('invalid', 'the observation is incomplete or invalid', fieldErrorsOf(parsed.error));
  const input = parsed.data;
  const commune = communeAt(input.lon, input.lat);
  if (!commune) {
    throw new ObservationError('outside', 'the point is outside the Métropole', {
      point: [t('observations:errors.outside', { territory: METROPOLE.name })],
    });
  }
  if (input.photoUploadId) await checkPhoto(db, actor.id, input.photoUploadId, opts);
  const label = categories.find((c) => c.code === input.category)?.label_fr ?? input.category;

  return db.transaction().execute(async (trx) => {
    const c = await trx
      .insertInto('contribution')
      .values({
        kind: 'observation',
        submitter_id: actor.id,
        title: `${label} — ${commune.name}`.slice(0, 200),
        communes: sql`${[commune.code]}::text[]`,
        themes: sql`${[input.category]}::text[]`,
        personal_data: false,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // A frozen revision: what was submitted, as the generic review screen shows it.
    const r = await trx
      .insertInto('contribution_revision')
      .values({
        contribution_id: c.id,
        number: 1,
        metadata: JSON.stringify({
          category: input.category,
          description: input.description,
          commune: commune.code,
          lon: input.lon,
          lat: input.lat,
          observedAt: input.observedAt.toISOString(),
          photo: Boolean(input.photoUploadId),
        }),
        frozen_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('contribution').set({ current_revision_id: r.id }).where('id', '=', c.id).execute();
    await trx
      .insertInto('observation')
      .values({
        id: c.id,
        lon: input.lon,
        lat: input.lat,
        commune_code: commune.code,
        category: input.category,
        description: input.description,
        observed_at: input.observedAt,
        photo_upload_id: input.photoUploadId ?? null,
        photo_state: input.photoUploadId ? 'pending' : 'none',
      })
      .execute();
    const locked = await lockContribution(trx, c.id);
    let after = await applyTransition(trx, locked, { action: 'submit', to: 'submitted', actorId: actor.id, set: { submitted_at: new Date() } });
    if (input.photoUploadId) await enqueueJob(trx, PROCESS_PHOTO_TASK, { observationId: c.id }, { jobKey: `process_photo:${c.id}` });
    if (await hasPrivilege(trx, { type: 'user', id: actor.id }, 'trusted_observer')) {
      if (await autoApprove(trx, after, opts.auditShare ?? DEFAULT_AUDIT_SHARE)) after = await lockContribution(trx, c.id);
    }
    return { id: c.id, state: after.state };
  });
}

/**
 * Good standing, for the weight of a confirmation: an account at least 7 days old, a
 * ledger balance of at least 1, and no open mutual-confirmation flag.
 */
export async function isInGoodStanding(db: DB, userId: string): Promise<boolean> {
  const u = await db
    .selectFrom('users')
    .select(sql<boolean>`created_at <= now() - make_interval(days => ${MIN_CONFIRMER_ACCOUNT_AGE_DAYS})`.as('old_enough'))
    .where('id', '=', userId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!u?.old_enough) return false;
  if ((await getStanding(db, { type: 'user', id: userId })).balance < 1) return false;
  return !(await hasOpenFlag(db, userId));
}

/** 0 out of good standing, 2 with the double-confirmation privilege, 1 otherwise. */
export async function confirmationWeight(db: DB, userId: string): Promise<number> {
  if (!(await isInGoodStanding(db, userId))) return 0;
  return (await hasPrivilege(db, { type: 'user', id: userId }, 'double_confirmation')) ? 2 : 1;
}

const confirmableStates: readonly string[] = ['submitted', 'in_review', 'second_review', 'approved', 'published'];

export interface ConfirmResult {
  weight: number;
  totalWeight: number;
  grade: Grade;
  credited: boolean;
}

/**
 * "Je l'ai vu aussi": once per person, never one's own observation nor one made for one's
 * organisation. Its weight counts toward the grade; the author is credited (within the
 * ledger's limits and anti-gaming rules). One transaction, the observation locked.
 */
export async function confirmObservation(db: DB, userId: string, observationId: string): Promise<ConfirmResult> {
  if (!/^[0-9a-f-]{36}$/i.test(observationId)) throw new ObservationError('not_found', 'observation not found');
  return db.transaction().execute(async (trx) => {
    const o = await trx
      .selectFrom('observation as o')
      .innerJoin('contribution as c', 'c.id', 'o.id')
      .select(['o.id', 'o.confirmation_weight', 'o.grade', 'c.state', 'c.submitter_id', 'c.organization_id'])
      .where('o.id', '=', observationId)
      .forUpdate('o')
      .executeTakeFirst();
    if (!o) throw new ObservationError('not_found', 'observation not found');
    if (o.submitter_id === userId) throw new ObservationError('own_observation', 'you cannot confirm your own observation');
    if (o.organization_id) {
      const member = await trx
        .selectFrom('membership')
        .select('user_id')
        .where('user_id', '=', userId)
        .where('organization_id', '=', o.organization_id)
        .executeTakeFirst();
      if (member) throw new ObservationError('own_organization', 'you cannot confirm your organisation’s observation');
    }
    if (!confirmableStates.includes(o.state)) throw new ObservationError('not_confirmable', `the observation is ${o.state}`);
    const weight = await confirmationWeight(trx, userId);
    const inserted = await trx
      .insertInto('confirmation')
      .values({ observation_id: o.id, user_id: userId, weight })
      .onConflict((oc) => oc.columns(['observation_id', 'user_id']).doNothing())
      .returning('user_id')
      .executeTakeFirst();
    if (!inserted) throw new ObservationError('already_confirmed', 'you already confirmed this observation');
    const totalWeight = o.confirmation_weight + weight;
    const grade: Grade = totalWeight >= CONFIRMED_WEIGHT ? 'confirmed' : 'needs_review';
    await trx.updateTable('observation').set({ confirmation_weight: totalWeight, grade }).where('id', '=', o.id).execute();
    // Confirmed observations are served first by the moderation queue.
    if (grade === 'confirmed' && o.grade !== 'confirmed') {
      await trx.updateTable('contribution').set({ queue_priority: 1 }).where('id', '=', o.id).execute();
    }
    const credit = await creditConfirmationReceived(
      trx as LedgerTransaction,
      { id: o.id, authorId: o.submitter_id, organizationId: o.organization_id },
      userId,
    );
    return { weight, totalWeight, grade, credited: Boolean(credit.entry && credit.entry.effectiveDelta > 0) };
  });
}

/**
 * An approved observation goes public at once (no files to publish): approved → published,
 * and its confirmers earn confirmation_published. Called in the approval's transaction
 * (moderator approval and auto-approval). Idempotent: anything but 'approved' is left alone.
 */
export async function publishObservation(trx: DB, contributionId: string, actorId: string | null): Promise<boolean> {
  const c = await lockContribution(trx, contributionId);
  if (c.kind !== 'observation' || c.state !== 'approved') return false;
  await applyTransition(trx, c, { action: 'publish', to: 'published', actorId: null });
  await trx.updateTable('observation').set({ published_at: new Date() }).where('id', '=', contributionId).execute();
  const confirmers = await trx.selectFrom('confirmation').select('user_id').where('observation_id', '=', contributionId).orderBy('created_at').execute();
  await creditConfirmersOnPublication(
    trx as LedgerTransaction,
    { id: contributionId, authorId: c.submitter_id, organizationId: c.organization_id },
    confirmers.map((r) => r.user_id),
    actorId,
  );
  return true;
}

export interface ResolveResult {
  id: string;
  outcome: 'done' | 'skipped';
  /** Why it was skipped: not_found, not_published, conflict_of_interest, out_of_scope, already. */
  detail?: string;
}

/**
 * Marks published observations as resolved (the problem was fixed), or open again. Each
 * item on its own (scope and conflict of interest checked), audited; the others go on
 * when one is skipped. Not a moderation state: the observation stays published.
 */
export async function resolveObservations(db: DB, m: Moderator, ids: readonly string[], resolved = true): Promise<ResolveResult[]> {
  const out: ResolveResult[] = [];
  for (const id of [...new Set(ids)].slice(0, 100)) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) {
      out.push({ id, outcome: 'skipped', detail: 'not_found' });
      continue;
    }
    out.push(
      await db.transaction().execute(async (trx): Promise<ResolveResult> => {
        const o = await trx
          .selectFrom('observation as o')
          .innerJoin('contribution as c', 'c.id', 'o.id')
          .select(['o.id', 'o.resolved_at', 'c.state', 'c.submitter_id', 'c.organization_id'])
          .where('o.id', '=', id)
          .forUpdate('o')
          .executeTakeFirst();
        if (!o) return { id, outcome: 'skipped', detail: 'not_found' };
        if (o.state !== 'published') return { id, outcome: 'skipped', detail: 'not_published' };
        if (await hasConflict(trx, m.id, o)) return { id, outcome: 'skipped', detail: 'conflict_of_interest' };
        if (!(await inScope(trx, m, id))) return { id, outcome: 'skipped', detail: 'out_of_scope' };
        if (Boolean(o.resolved_at) === resolved) return { id, outcome: 'skipped', detail: 'already' };
        await trx
          .updateTable('observation')
          .set(resolved ? { resolved_at: new Date(), resolved_by: m.id } : { resolved_at: null, resolved_by: null })
          .where('id', '=', id)
          .execute();
        await appendAuditLog(trx, {
          actorId: m.id,
          action: resolved ? 'observation.resolved' : 'observation.reopened',
          targetType: 'contribution',
          targetId: id,
        });
        return { id, outcome: 'done' };
      }),
    );
  }
  return out;
}

export interface ObservationView {
  id: string;
  state: ContributionState;
  version: number;
  title: string;
  lon: number;
  lat: number;
  communeCode: string;
  communeName: string;
  category: string;
  categoryLabel: string;
  description: string;
  observedAt: Date;
  submittedAt: Date | null;
  publishedAt: Date | null;
  resolvedAt: Date | null;
  grade: Grade;
  confirmationWeight: number;
  confirmations: number;
  /** The re-encoded photo exists (the only bytes ever shown). */
  hasPhoto: boolean;
  photoState: string;
  author: string;
  auditPending: boolean;
}

export interface ObservationPage {
  observation: ObservationView;
  mine: boolean;
  isModerator: boolean;
  /** The viewer already confirmed it. */
  confirmedByMe: boolean;
  /** The confirm button is offered (signed in, not the author, confirmable, not done yet). */
  canConfirm: boolean;
  /** Retracted: only what was withdrawn, when and why. */
  tombstone: { at: Date | null; reason: string | null } | null;
  decisions: { action: string; to: string; reasonCode: string | null; comment: string | null; at: Date }[];
}

function baseQuery(db: DB, lng: string) {
  return db
    .selectFrom('observation as o')
    .innerJoin('contribution as c', 'c.id', 'o.id')
    .innerJoin('users as u', 'u.id', 'c.submitter_id')
    .innerJoin('observation_category as k', 'k.code', 'o.category')
    .leftJoin('territory as t', 't.code', 'o.commune_code')
    .select([
      'o.id',
      'c.state',
      'c.version',
      'c.title',
      'c.submitter_id',
      'c.organization_id',
      'c.submitted_at',
      'c.audit_pending',
      'o.lon',
      'o.lat',
      'o.commune_code',
      't.name as commune_name',
      'o.category',
      lng === 'en' ? 'k.label_en as category_label' : 'k.label_fr as category_label',
      'o.description',
      'o.observed_at',
      'o.published_at',
      'o.resolved_at',
      'o.grade',
      'o.confirmation_weight',
      'o.photo_key',
      'o.photo_state',
      'u.pseudonym',
      (eb) => eb.selectFrom('confirmation as f').select((e) => e.fn.countAll<number>().as('n')).whereRef('f.observation_id', '=', 'o.id').as('confirmations'),
    ]);
}

type BaseRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

function toView(r: BaseRow): ObservationView {
  return {
    id: r.id,
    state: r.state as ContributionState,
    version: r.version,
    title: r.title,
    lon: r.lon,
    lat: r.lat,
    communeCode: r.commune_code,
    communeName: r.commune_name ?? r.commune_code,
    category: r.category,
    categoryLabel: r.category_label,
    description: r.description,
    observedAt: r.observed_at,
    submittedAt: r.submitted_at,
    publishedAt: r.published_at,
    resolvedAt: r.resolved_at,
    grade: r.grade as Grade,
    confirmationWeight: r.confirmation_weight,
    confirmations: Number(r.confirmations ?? 0),
    hasPhoto: Boolean(r.photo_key),
    photoState: r.photo_state,
    author: r.pseudonym,
    auditPending: r.audit_pending,
  };
}

/** Waiting for moderation: signed-in citizens see it (to confirm it), as do its author and moderators. */
const awaitingStates: readonly string[] = ['submitted', 'in_review', 'second_review', 'approved'];

async function mayView(db: DB, viewerId: string | null, r: Pick<BaseRow, 'state' | 'submitter_id'>): Promise<{ ok: boolean; isModerator: boolean }> {
  const isModerator = viewerId ? Boolean(await loadModerator(db, viewerId)) : false;
  if (r.state === 'published' || r.state === 'retracted') return { ok: true, isModerator };
  if (viewerId && (viewerId === r.submitter_id || isModerator)) return { ok: true, isModerator };
  if (viewerId && awaitingStates.includes(r.state)) return { ok: true, isModerator };
  return { ok: false, isModerator };
}

/** The observation page, as this viewer may see it; null when it does not exist for them. */
export async function getObservationPage(db: DB, id: string, viewerId: string | null, lng = 'fr'): Promise<ObservationPage | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await baseQuery(db, lng).where('o.id', '=', id).executeTakeFirst();
  if (!r || r.state === 'draft') return null;
  const access = await mayView(db, viewerId, r);
  if (!access.ok) return null;
  const mine = viewerId === r.submitter_id;
  const events = await db
    .selectFrom('moderation_event')
    .select(['action', 'to_state', 'reason_code', 'comment', 'created_at'])
    .where('contribution_id', '=', id)
    .where('action', 'in', ['approve', 'auto_approve', 'reject', 'request_changes', 'publish', 'retract'])
    .orderBy('id')
    .execute();
  const retract = events.filter((e) => e.action === 'retract').pop();
  const confirmedByMe = viewerId
    ? Boolean(await db.selectFrom('confirmation').select('user_id').where('observation_id', '=', id).where('user_id', '=', viewerId).executeTakeFirst())
    : false;
  const view = toView(r);
  if (r.state === 'retracted' && !mine && !access.isModerator) {
    view.description = '';
    view.hasPhoto = false;
  }
  return {
    observation: view,
    mine,
    isModerator: access.isModerator,
    confirmedByMe,
    canConfirm: Boolean(viewerId) && !mine && !confirmedByMe && confirmableStates.includes(r.state),
    tombstone: r.state === 'retracted' ? { at: retract?.created_at ?? null, reason: retract?.comment ?? null } : null,
    // The author sees the moderators' reasons; others see that it was decided.
    decisions: events.map((e) => ({
      action: e.action,
      to: e.to_state,
      reasonCode: e.reason_code,
      comment: mine || access.isModerator ? e.comment : null,
      at: e.created_at,
    })),
  };
}

export interface ReviewObservation extends ObservationView {
  submitterId: string;
  confirmationsList: { pseudonym: string; weight: number; at: Date }[];
  photoUrl: string | null;
}

/** What the moderation review screen shows of an observation (null when it is not one). */
export async function getObservationForReview(db: DB, id: string, lng = 'fr'): Promise<ReviewObservation | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await baseQuery(db, lng).where('o.id', '=', id).executeTakeFirst();
  if (!r) return null;
  const confirmations = await db
    .selectFrom('confirmation as f')
    .innerJoin('users as u', 'u.id', 'f.user_id')
    .select(['u.pseudonym', 'f.weight', 'f.created_at'])
    .where('f.observation_id', '=', id)
    .orderBy('f.created_at')
    .execute();
  const view = toView(r);
  return {
    ...view,
    submitterId: r.submitter_id,
    confirmationsList: confirmations.map((c) => ({ pseudonym: c.pseudonym, weight: c.weight, at: c.created_at })),
    photoUrl: view.hasPhoto ? `/observations/${id}/photo` : null,
  };
}

export interface MyObservation extends ObservationView {
  decisions: { action: string; to: string; reasonCode: string | null; comment: string | null; at: Date }[];
}

/** My observations, newest first, with their grade, state, confirmations and decisions. */
export async function listMyObservations(db: DB, userId: string, lng = 'fr'): Promise<MyObservation[]> {
  const rows = await baseQuery(db, lng).where('c.submitter_id', '=', userId).orderBy('c.created_at', 'desc').limit(200).execute();
  const ids = rows.map((r) => r.id);
  const events = ids.length
    ? await db
        .selectFrom('moderation_event')
        .select(['contribution_id', 'action', 'to_state', 'reason_code', 'comment', 'created_at'])
        .where('contribution_id', 'in', ids)
        .where('action', 'in', ['approve', 'auto_approve', 'reject', 'request_changes', 'publish', 'retract'])
        .orderBy('id')
        .execute()
    : [];
  return rows.map((r) => ({
    ...toView(r),
    decisions: events
      .filter((e) => e.contribution_id === r.id)
      .map((e) => ({ action: e.action, to: e.to_state, reasonCode: e.reason_code, comment: e.comment, at: e.created_at })),
  }));
}

export interface MapObservation {
  id: string;
  lon: number;
  lat: number;
  categoryLabel: string;
  communeName: string;
  state: string;
  grade: Grade;
  resolved: boolean;
  observedAt: Date;
}

/**
 * Observations for the map and list: the published ones (anyone), and, for a signed-in
 * viewer, those waiting for confirmation (not their own).
 */
export async function listObservations(
  db: DB,
  opts: { viewerId: string | null; lng?: string; awaiting?: boolean; commune?: string; limit?: number },
): Promise<MapObservation[]> {
  let q = baseQuery(db, opts.lng ?? 'fr');
  if (opts.awaiting && opts.viewerId) {
    q = q.where('c.state', 'in', ['submitted', 'in_review', 'second_review']).where('c.submitter_id', '!=', opts.viewerId);
  } else q = q.where('c.state', '=', 'published');
  if (opts.commune) q = q.where('o.commune_code', '=', opts.commune);
  const rows = await q.orderBy('o.observed_at', 'desc').limit(opts.limit ?? 200).execute();
  return rows.map((r) => ({
    id: r.id,
    lon: r.lon,
    lat: r.lat,
    categoryLabel: r.category_label,
    communeName: r.commune_name ?? r.commune_code,
    state: r.state,
    grade: r.grade as Grade,
    resolved: Boolean(r.resolved_at),
    observedAt: r.observed_at,
  }));
}

/** Published observations for the moderators' "resolved" screen, open ones first. */
export async function listPublishedForModeration(db: DB, m: Moderator, lng = 'fr', opts: { resolved?: boolean } = {}): Promise<ObservationView[]> {
  let q = baseQuery(db, lng).where('c.state', '=', 'published').where('c.submitter_id', '!=', m.id);
  if (opts.resolved !== undefined) q = q.where('o.resolved_at', opts.resolved ? 'is not' : 'is', null);
  if (m.territories.length && !m.territories.includes(METROPOLE.code)) q = q.where('o.commune_code', 'in', m.territories);
  if (m.themes.length) q = q.where('o.category', 'in', m.themes);
  const rows = await q.orderBy('o.published_at', 'desc').limit(200).execute();
  return rows.map(toView);
}

/** The commune outlines from the territory table, as GeoJSON for the map (no tiles needed). */
export async function communeOutlines(db: DB): Promise<{ type: 'FeatureCollection'; features: unknown[] }> {
  const rows = await db.selectFrom('territory').select(['code', 'name', 'boundary']).where('kind', '=', 'commune').orderBy('name').execute();
  return {
    type: 'FeatureCollection',
    features: rows
      .filter((r) => r.boundary)
      .map((r) => ({ type: 'Feature', properties: { code: r.code, name: r.name }, geometry: r.boundary })),
  };
}

/** Where the re-encoded photo of an observation is, if this viewer may see it. */
export async function photoKeyFor(db: DB, id: string, viewerId: string | null): Promise<string | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await db
    .selectFrom('observation as o')
    .innerJoin('contribution as c', 'c.id', 'o.id')
    .select(['o.photo_key', 'c.state', 'c.submitter_id'])
    .where('o.id', '=', id)
    .executeTakeFirst();
  if (!r?.photo_key) return null;
  const access = await mayView(db, viewerId, r);
  if (!access.ok) return null;
  if (r.state === 'retracted' && viewerId !== r.submitter_id && !access.isModerator) return null;
  return r.photo_key;
}
