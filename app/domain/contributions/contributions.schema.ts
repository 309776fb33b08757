// The metadata of a dataset contribution: one zod schema shared by the browser form
// (conform), the Remix action and the JSON API. Built with the page's translate function so
// every field error is in the user's language, and with the reference lists (themes,
// licences, communes) that admins manage.
import { z } from 'zod';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Translate = (key: string, options?: any) => string;

export const WHOLE_METROPOLE = '200046977'; // SIREN of the Métropole de Lyon, its territory code

export const updateFrequencies = [
  'punctual',
  'continuous',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'annual',
  'irregular',
] as const;

export interface ReferenceLists {
  themes: readonly string[];
  licences: readonly string[];
  communes: readonly string[];
}

/** A list from a form (repeated field, or one comma-separated string) or from JSON (array). */
const list = (item: z.ZodString) =>
  z.preprocess((v) => {
    if (v === undefined || v === null || v === '') return [];
    if (Array.isArray(v)) return v.filter((x) => x !== '');
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
    return v;
  }, z.array(item));

const yesNo = z.preprocess((v) => (v === 'yes' || v === 'on' || v === 'true' ? true : v === 'no' || v === 'false' ? false : v), z.boolean());

const isoDate = (t: Translate) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.iso.date({ error: t('contributions:errors.date') }).optional());

export function metadataSchema(t: Translate, refs: ReferenceLists) {
  return z
    .object({
      title: z
        .string({ error: t('contributions:errors.required') })
        .trim()
        .min(5, t('contributions:errors.titleLength', { min: 5, max: 200 }))
        .max(200, t('contributions:errors.titleLength', { min: 5, max: 200 })),
      description: z
        .string({ error: t('contributions:errors.required') })
        .trim()
        .min(20, t('contributions:errors.descriptionLength', { min: 20 }))
        .max(20_000, t('contributions:errors.tooLong', { max: 20_000 })),
      themes: list(z.string())
        .pipe(z.array(z.enum(refs.themes as [string, ...string[]], { error: t('contributions:errors.unknownTheme') })))
        .refine((a) => a.length >= 1, t('contributions:errors.themesRequired')),
      keywords: list(z.string().trim().max(50, t('contributions:errors.keywordLength', { max: 50 }))).refine(
        (a) => a.length <= 20,
        t('contributions:errors.tooManyKeywords', { max: 20 }),
      ),
      communes: list(z.string())
        .pipe(
          z.array(
            z.enum([WHOLE_METROPOLE, ...refs.communes] as [string, ...string[]], {
              error: t('contributions:errors.unknownCommune'),
            }),
          ),
        )
        .refine((a) => a.length >= 1, t('contributions:errors.communesRequired')),
      licence: z.enum(refs.licences as [string, ...string[]], { error: t('contributions:errors.licence') }),
      temporalStart: isoDate(t),
      temporalEnd: isoDate(t),
      updateFrequency: z.enum(updateFrequencies, { error: t('contributions:errors.updateFrequency') }),
      organizationId: z.preprocess(
        (v) => (v === '' || v === 'individual' ? undefined : v),
        z.uuid({ error: t('contributions:errors.organization') }).optional(),
      ),
      contactName: z
        .string({ error: t('contributions:errors.required') })
        .trim()
        .min(2, t('contributions:errors.required'))
        .max(120, t('contributions:errors.tooLong', { max: 120 })),
      contactEmail: z.email({ error: t('contributions:errors.email') }),
      personalData: yesNo.refine((v) => typeof v === 'boolean', t('contributions:errors.personalData')),
      columns: z
        .array(
          z.object({
            name: z.string().trim().max(200),
            description: z
              .string()
              .trim()
              .max(2000, t('contributions:errors.tooLong', { max: 2000 }))
              .optional()
              .default(''),
          }),
        )
        .max(500)
        .optional()
        .default([]),
      rightsStatement: z.preprocess(
        (v) => v === 'on' || v === true || v === 'true',
        z.literal(true, { error: t('contributions:errors.rightsStatement') }),
      ),
    })
    .refine((m) => !m.temporalStart || !m.temporalEnd || m.temporalStart <= m.temporalEnd, {
      path: ['temporalEnd'],
      message: t('contributions:errors.temporalOrder'),
    });
}

export type DatasetMetadata = z.infer<ReturnType<typeof metadataSchema>>;

/**
 * What a draft may hold: anything of the right shape, incomplete. Saving a draft never
 * loses what the user typed; completeness is checked when they continue or submit.
 */
export const draftMetadataSchema = z
  .object({
    title: z.string().max(400),
    description: z.string().max(40_000),
    themes: z.array(z.string().max(100)).max(50),
    keywords: z.array(z.string().max(100)).max(50),
    communes: z.array(z.string().max(20)).max(100),
    licence: z.string().max(50),
    temporalStart: z.string().max(20),
    temporalEnd: z.string().max(20),
    updateFrequency: z.string().max(30),
    organizationId: z.string().max(40),
    contactName: z.string().max(240),
    contactEmail: z.string().max(320),
    personalData: z.union([z.boolean(), z.string().max(5)]),
    columns: z.array(z.object({ name: z.string().max(400), description: z.string().max(4000).default('') })).max(500),
    rightsStatement: z.union([z.boolean(), z.string().max(5)]),
  })
  .partial();
export type DraftMetadata = z.infer<typeof draftMetadataSchema>;

/** Form data (repeated fields, comma lists, nested columns[i].x) to a draft object. */
export function draftFromFormData(form: FormData): DraftMetadata {
  const str = (k: string) => {
    const v = form.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const all = (k: string) => form.getAll(k).filter((v): v is string => typeof v === 'string' && v !== '');
  const columns: { name: string; description: string }[] = [];
  for (let i = 0; i < 500; i++) {
    const name = str(`columns[${i}].name`);
    if (name === undefined) break;
    columns.push({ name, description: str(`columns[${i}].description`) ?? '' });
  }
  const keywords = str('keywords');
  const raw: Record<string, unknown> = {
    title: str('title'),
    description: str('description'),
    themes: all('themes'),
    keywords: keywords === undefined ? undefined : keywords.split(',').map((s) => s.trim()).filter(Boolean),
    communes: all('communes'),
    licence: str('licence'),
    temporalStart: str('temporalStart'),
    temporalEnd: str('temporalEnd'),
    updateFrequency: str('updateFrequency'),
    organizationId: str('organizationId'),
    contactName: str('contactName'),
    contactEmail: str('contactEmail'),
    personalData: str('personalData'),
    columns: columns.length ? columns : undefined,
    rightsStatement: form.has('rightsStatement') ? 'on' : str('rightsStatementShown') === '1' ? 'no' : undefined,
  };
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as DraftMetadata;
}
