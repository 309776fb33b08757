// Credentials: scopes and the forms' schemas (safe for the browser).
import { z } from 'zod';

export const credentialScopes = ['read', 'contribute', 'read-usage'] as const;
export type CredentialScope = (typeof credentialScopes)[number];

/** Personal reuser keys read (download traceable data, read the API); nothing else. */
export const PERSONAL_KEY_SCOPES: readonly CredentialScope[] = ['read'];

export const personalKeySchema = z.object({
  name: z.string().trim().min(2).max(80),
  purpose: z.string().trim().min(10).max(1000),
  organizationId: z.uuid().optional(),
});
export type PersonalKeyInput = z.infer<typeof personalKeySchema>;

export const organizationTokenSchema = z.object({
  name: z.string().trim().min(2).max(80),
  scopes: z.array(z.enum(credentialScopes)).min(1),
  purpose: z.string().trim().max(1000).optional(),
});
export type OrganizationTokenInput = z.infer<typeof organizationTokenSchema>;

/** What a credential secret looks like: td_pk_… (personal key) or td_ot_… (organisation token). */
export const CREDENTIAL_SECRET = /^td_(pk|ot)_[A-Za-z0-9_-]{43}$/;
/** Anywhere in a string (used to refuse secrets put in URLs). */
export const CREDENTIAL_SECRET_ANYWHERE = /td_(?:pk|ot)_[A-Za-z0-9_-]{20,}/;
