// What routes need around the contribution services: the page language's messages, the
// reference lists, and turning a refusal into form errors or a problem+json answer.
import type { AppLoadContext } from '@remix-run/node';
import { problem } from '../api/problem.server';
import { getLanguage, getT } from '~/i18n/i18n.server';
import type { Translate } from './contributions.schema';
import type { ContributionError } from './contributions.server';
import { loadReferenceData, referenceLists } from './reference.server';

export async function contributionsT(request: Request): Promise<Translate> {
  return (await getT(request, ['contributions', 'common'])) as unknown as Translate;
}

export async function referencesFor(context: AppLoadContext, request: Request) {
  const lng = await getLanguage(request);
  const data = await loadReferenceData(context.db, lng);
  return { data, lists: referenceLists(data) };
}

const messageKey: Record<ContributionError['code'], string> = {
  not_found: 'errors.notFound',
  forbidden: 'errors.notFound',
  not_editable: 'errors.notEditable',
  already_submitted: 'errors.alreadySubmitted',
  invalid_metadata: 'wizard.metadataIncomplete',
  no_verified_file: 'errors.noVerifiedFile',
  file_not_ready: 'errors.fileNotReady',
  file_invalid: 'errors.fileInvalid',
  foreign_upload: 'errors.foreignUpload',
  wrong_purpose: 'errors.foreignUpload',
  not_member: 'errors.notMember',
  stale: 'errors.stale',
};

export function refusalMessage(t: Translate, e: ContributionError): string {
  return t(`contributions:${messageKey[e.code]}`, { names: '' });
}

const statusOf: Record<ContributionError['code'], number> = {
  not_found: 404,
  forbidden: 404,
  not_editable: 409,
  already_submitted: 409,
  stale: 409,
  invalid_metadata: 422,
  no_verified_file: 422,
  file_not_ready: 422,
  file_invalid: 422,
  foreign_upload: 422,
  wrong_purpose: 422,
  not_member: 422,
};

/** A refusal as RFC 9457 problem+json, with the field errors in the caller's language. */
export function contributionProblem(t: Translate, e: ContributionError): Response {
  return problem(statusOf[e.code], e.code, refusalMessage(t, e), {
    code: e.code,
    ...(Object.keys(e.fieldErrors).length ? { errors: e.fieldErrors } : {}),
    ...e.details,
  });
}
