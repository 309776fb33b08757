// The organisation form, shared by the browser and the action; errors in the page's language.
import { z } from 'zod';
import type { Translate } from '../identity/identity.schema';
import { isValidSiren } from './siren';

export const organizationKinds = ['public_body', 'business', 'association'] as const;
export type OrganizationKind = (typeof organizationKinds)[number];

export const organizationSchema = (t: Translate) =>
  z
    .object({
      name: z
        .string({ error: t('identity:errors.required') })
        .trim()
        .min(2, t('identity:errors.nameLength'))
        .max(120, t('identity:errors.nameLength')),
      kind: z.enum(organizationKinds, { error: t('identity:errors.kind') }),
      siren: z
        .string()
        .trim()
        .transform((v) => v.replace(/\s+/g, ''))
        .optional(),
      territoryCode: z
        .string()
        .regex(/^\d{5}$|^\d{9}$/, t('identity:errors.invalid'))
        .optional(),
      description: z.string().trim().max(2000, t('identity:errors.tooLong')).optional(),
      website: z.url({ protocol: /^https?$/, error: t('identity:errors.url') }).optional(),
    })
    .superRefine((v, ctx) => {
      if (v.siren && !isValidSiren(v.siren)) {
        ctx.addIssue({ code: 'custom', path: ['siren'], message: t('identity:errors.siren') });
      } else if (v.kind === 'business' && !v.siren) {
        ctx.addIssue({
          code: 'custom',
          path: ['siren'],
          message: t('identity:errors.sirenRequired'),
        });
      }
    });

export type OrganizationInput = z.infer<ReturnType<typeof organizationSchema>>;

export const joinRequestSchema = (t: Translate) =>
  z.object({ message: z.string().trim().max(500, t('identity:errors.tooLong')).optional() });
