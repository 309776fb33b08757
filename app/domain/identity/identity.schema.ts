// Form schemas of the identity area, shared by the browser (conform) and the actions. Each
// takes the page's translate function, so that every field error is in the page's language.
import { z } from 'zod';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Translate = (key: string, options?: any) => string;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

const email = (t: Translate) =>
  z
    .string({ error: t('identity:errors.required') })
    .trim()
    .max(254, t('identity:errors.emailInvalid'))
    .pipe(z.email({ error: t('identity:errors.emailInvalid') }))
    .transform((v) => v.toLowerCase());

const password = (t: Translate) =>
  z
    .string({ error: t('identity:errors.required') })
    .min(PASSWORD_MIN, t('identity:errors.passwordShort', { min: PASSWORD_MIN }))
    .max(PASSWORD_MAX, t('identity:errors.passwordLong', { max: PASSWORD_MAX }));

export const pseudonymSchema = (t: Translate) =>
  z
    .string({ error: t('identity:errors.required') })
    .trim()
    .min(2, t('identity:errors.pseudonymLength'))
    .max(40, t('identity:errors.pseudonymLength'))
    .regex(/^[\p{L}\p{N} ._'-]+$/u, t('identity:errors.pseudonymChars'));

export const signUpSchema = (t: Translate) =>
  z.object({
    email: email(t),
    password: password(t),
    pseudonym: pseudonymSchema(t),
    acceptTerms: z.literal('on', { error: t('identity:errors.acceptTerms') }),
  });

export const signInSchema = (t: Translate) =>
  z.object({
    email: email(t),
    password: z.string({ error: t('identity:errors.required') }).max(PASSWORD_MAX),
    redirectTo: z.string().optional(),
  });

export const forgotPasswordSchema = (t: Translate) => z.object({ email: email(t) });

export const resetPasswordSchema = (t: Translate) =>
  z
    .object({ password: password(t), confirm: z.string({ error: t('identity:errors.required') }) })
    .refine((v) => v.password === v.confirm, {
      path: ['confirm'],
      message: t('identity:errors.passwordMismatch'),
    });

export const profileSchema = (t: Translate) =>
  z.object({
    pseudonym: pseudonymSchema(t),
    locale: z.enum(['fr', 'en'], { error: t('identity:errors.invalid') }),
  });

export const changeEmailSchema = (t: Translate) =>
  z.object({
    email: email(t),
    password: z.string({ error: t('identity:errors.required') }).max(PASSWORD_MAX),
  });

export const changePasswordSchema = (t: Translate) =>
  z
    .object({
      current: z.string({ error: t('identity:errors.required') }).max(PASSWORD_MAX),
      password: password(t),
      confirm: z.string({ error: t('identity:errors.required') }),
    })
    .refine((v) => v.password === v.confirm, {
      path: ['confirm'],
      message: t('identity:errors.passwordMismatch'),
    });

export const totpCodeSchema = (t: Translate) =>
  z.object({
    code: z
      .string({ error: t('identity:errors.required') })
      .trim()
      .transform((v) => v.replace(/\s+/g, ''))
      .pipe(
        z.string().regex(/^(\d{6}|[a-z0-9]{5}-?[a-z0-9]{5})$/i, t('identity:errors.codeFormat')),
      ),
  });

export const deleteAccountSchema = (t: Translate) =>
  z.object({
    password: z.string({ error: t('identity:errors.required') }).max(PASSWORD_MAX),
    confirm: z.literal('on', { error: t('identity:errors.confirmDeletion') }),
  });

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeRedirect(to: unknown, fallback = '/'): string {
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || to.startsWith('/\\'))
    return fallback;
  return to;
}
