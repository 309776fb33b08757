// Credentials: scopes and the forms' schemas (safe for the browser; the same schema checks
// the form in the browser, the action, and the domain functions' input).
import { z } from 'zod';
import type { Translate } from '../identity/identity.schema';

export const credentialScopes = ['read', 'contribute', 'read-usage'] as const;
export type CredentialScope = (typeof credentialScopes)[number];

/** Personal reuser keys read (download traceable data, read the API); nothing else. */
export const PERSONAL_KEY_SCOPES: readonly CredentialScope[] = ['read'];

const plain: Translate = (key) => key;

export const personalKeySchema = (t: Translate = plain) =>
  z.object({
    name: z
      .string({ error: t('reuses:keys.errors.name') })
      .trim()
      .min(2, t('reuses:keys.errors.name'))
      .max(80, t('reuses:keys.errors.name')),
    purpose: z
      .string({ error: t('reuses:keys.errors.purpose') })
      .trim()
      .min(10, t('reuses:keys.errors.purpose'))
      .max(1000, t('reuses:keys.errors.tooLong')),
    organizationId: z.uuid(t('reuses:keys.errors.organization')).optional(),
  });
export type PersonalKeyInput = z.infer<ReturnType<typeof personalKeySchema>>;

export const organizationTokenSchema = (t: Translate = plain) =>
  z.object({
    name: z
      .string({ error: t('reuses:keys.errors.name') })
      .trim()
      .min(2, t('reuses:keys.errors.name'))
      .max(80, t('reuses:keys.errors.name')),
    scopes: z
      .array(z.enum(credentialScopes), { error: t('reuses:keys.errors.scopes') })
      .min(1, t('reuses:keys.errors.scopes')),
    purpose: z.string().trim().max(1000, t('reuses:keys.errors.tooLong')).optional(),
  });
export type OrganizationTokenInput = z.infer<ReturnType<typeof organizationTokenSchema>>;

/** What a credential secret looks like: td_pk_… (personal key) or td_ot_… (organisation token). */
export const CREDENTIAL_SECRET = /^td_(pk|ot)_[A-Za-z0-9_-]{43}$/;
