// A declared reuse (the form, the action and the domain share this schema).
import { z } from 'zod';
import type { Translate } from '../identity/identity.schema';

export const reuseKinds = ['application', 'visualisation', 'article', 'api', 'other'] as const;
export type ReuseKind = (typeof reuseKinds)[number];

/** Largest image accepted with a reuse (it is re-encoded, without metadata). */
export const REUSE_IMAGE_MAX_BYTES = 5 * 1024 * 1024;

const plain: Translate = (key) => key;

/** Dataset references, one per line (or comma-separated): a dataset's URL or its slug. */
export const splitDatasetRefs = (text: string) =>
  text
    .split(/[\n,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export const reuseSchema = (t: Translate = plain) =>
  z.object({
    title: z
      .string({ error: t('reuses:reuse.errors.title') })
      .trim()
      .min(3, t('reuses:reuse.errors.title'))
      .max(200, t('reuses:reuse.errors.title')),
    url: z
      .string({ error: t('reuses:reuse.errors.url') })
      .trim()
      .max(2000, t('reuses:reuse.errors.url'))
      .refine((v) => {
        try {
          const u = new URL(v);
          return (u.protocol === 'https:' || u.protocol === 'http:') && Boolean(u.hostname);
        } catch {
          return false;
        }
      }, t('reuses:reuse.errors.url')),
    description: z.string().trim().max(4000, t('reuses:reuse.errors.tooLong')).optional(),
    kind: z.enum(reuseKinds, { error: t('reuses:reuse.errors.kind') }),
    datasets: z
      .string({ error: t('reuses:reuse.errors.noDataset') })
      .trim()
      .max(5000, t('reuses:reuse.errors.tooLong'))
      .refine((v) => splitDatasetRefs(v).length > 0, t('reuses:reuse.errors.noDataset'))
      .refine((v) => splitDatasetRefs(v).length <= 50, t('reuses:reuse.errors.tooManyDatasets')),
    /** The image file is read by the action (multipart) and checked by re-encoding it. */
    image: z.unknown().optional(),
  });
export type ReuseInput = z.infer<ReturnType<typeof reuseSchema>>;

export const hideReuseSchema = (t: Translate = plain) =>
  z.object({
    reason: z
      .string({ error: t('reuses:reuse.errors.hideReason') })
      .trim()
      .min(3, t('reuses:reuse.errors.hideReason'))
      .max(1000),
  });
