// What the two credential pages (/compte/cles, /organisations/:slug/jetons) answer alike:
// the revoke intent, a creation refused for the account's rate limit, and the Retry-After
// of that refusal on the document response.
import type { HeadersFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { z } from 'zod';
import type { DB } from '#db/client';
import type { Translate } from '../identity/identity.schema';
import { CredentialError, revokeCredential } from './credentials.server';

/** The `intent=revoke` form of either page: revokes the credential or says why not. */
export async function revokeFromForm(db: DB, actorId: string, formData: FormData, t: Translate) {
  const id = z.uuid().safeParse(formData.get('credentialId'));
  if (!id.success)
    return data(
      { intent: 'revoke' as const, error: t('reuses:keys.errors.not_found') },
      { status: 400 },
    );
  try {
    await revokeCredential(db, actorId, id.data);
  } catch (e) {
    if (e instanceof CredentialError)
      return data(
        { intent: 'revoke' as const, error: t(`reuses:keys.errors.${e.code}`) },
        { status: e.code === 'not_found' ? 404 : 409 },
      );
    throw e;
  }
  return data({ intent: 'revoke' as const, revoked: true });
}

/** A creation refused because the account created too many credentials lately: 429, the form kept. */
export function rateLimitedCreation<R>(
  submission: { reply: (o: { formErrors: string[] }) => R },
  e: CredentialError,
  t: Translate,
) {
  return data(
    {
      intent: 'create' as const,
      result: submission.reply({
        formErrors: [
          t('reuses:keys.errors.rate_limited', {
            minutes: Math.max(1, Math.ceil(e.retryAfter / 60)),
          }),
        ],
      }),
    },
    { status: 429, headers: { 'Retry-After': String(e.retryAfter) } },
  );
}

/**
 * The action's Retry-After (refused creation) and Cache-Control (a page showing a new secret
 * is never stored) reach the document response: routes export this as `headers`.
 */
export const credentialPageHeaders: HeadersFunction = ({ actionHeaders }) => {
  const out = new Headers();
  for (const name of ['Retry-After', 'Cache-Control']) {
    const v = actionHeaders.get(name);
    if (v) out.set(name, v);
  }
  return out;
};
