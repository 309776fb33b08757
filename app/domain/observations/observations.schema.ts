// The observation form's rules, shared by the browser form, the Remix action and the
// domain: where (a point of the Métropole), what (a category, a description), when (not in
// the future), and an optional photo upload. Safe for the browser (no server imports).
import { z } from 'zod';

export type Translate = (key: string, options?: Record<string, unknown>) => string;

export const DESCRIPTION_MAX = 2000;
/** A clock a little ahead on the phone is not "the future". */
export const FUTURE_TOLERANCE_MS = 10 * 60_000;

export const grades = ['needs_review', 'confirmed'] as const;
export type Grade = (typeof grades)[number];
/** Confirmation weight from accounts in good standing at which an observation is confirmed. */
export const CONFIRMED_WEIGHT = 2;

const PARIS = 'Europe/Paris';

/** Minutes Paris is ahead of UTC at `d` (60 or 120). */
function parisOffsetMinutes(d: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: PARIS,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
}

/**
 * A `datetime-local` value ("2026-11-27T08:30") read as the time in Paris; a full ISO
 * timestamp with a zone is taken as it is. Null when it is no date at all.
 */
export function parseObservedAt(v: string): Date | null {
  const s = v.trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return null;
  const [, y, mo, da, h, mi, se] = m.map(Number) as number[];
  const naive = Date.UTC(y!, mo! - 1, da!, h!, mi!, se || 0);
  const check = new Date(naive);
  if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== da!) return null;
  // Two passes: the offset at the naive instant, then at the corrected one (DST edges).
  let t = naive - parisOffsetMinutes(new Date(naive)) * 60_000;
  t = naive - parisOffsetMinutes(new Date(t)) * 60_000;
  return new Date(t);
}

/** The value of a `datetime-local` input for `d`, in Paris time. */
export function toParisLocalInput(d: Date): string {
  const local = new Date(d.getTime() + parisOffsetMinutes(d) * 60_000);
  return local.toISOString().slice(0, 16);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A decimal number as people type it (comma or point). */
const coordinate = (t: Translate, min: number, max: number, key: 'lon' | 'lat') =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : Number(v.trim().replace(',', '.'))) : v),
    z
      .number({ error: (i) => (i.input === undefined ? t('observations:errors.pointRequired') : t('observations:errors.notANumber')) })
      .refine((n) => Number.isFinite(n), { message: t('observations:errors.notANumber') })
      .refine((n) => n >= min && n <= max, { message: t(`observations:errors.${key}Range`) }),
  );

export function observationSchema(t: Translate, categories: readonly string[], now: () => Date = () => new Date()) {
  return z.object({
    lon: coordinate(t, -180, 180, 'lon'),
    lat: coordinate(t, -90, 90, 'lat'),
    category: z.preprocess(
      blankToUndefined,
      z
        .string({ error: t('observations:errors.categoryRequired') })
        .refine((c) => categories.includes(c), { message: t('observations:errors.categoryUnknown') }),
    ),
    description: z.preprocess(
      (v) => (typeof v === 'string' ? v.trim() : v),
      z
        .string({ error: t('observations:errors.descriptionRequired') })
        .min(1, { message: t('observations:errors.descriptionRequired') })
        .max(DESCRIPTION_MAX, { message: t('observations:errors.descriptionTooLong', { max: DESCRIPTION_MAX }) }),
    ),
    observedAt: z.preprocess(
      blankToUndefined,
      z
        .string({ error: t('observations:errors.observedAtRequired') })
        .transform((s, ctx) => {
          const d = parseObservedAt(s);
          if (!d) {
            ctx.addIssue({ code: 'custom', message: t('observations:errors.observedAtInvalid') });
            return z.NEVER;
          }
          return d;
        })
        .refine((d) => d.getTime() <= now().getTime() + FUTURE_TOLERANCE_MS, { message: t('observations:errors.observedAtFuture') }),
    ),
    photoUploadId: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,100}$/, { message: t('observations:errors.photoUnknown') })
        .optional(),
    ),
  });
}
export type ObservationInput = z.infer<ReturnType<typeof observationSchema>>;

/** The raw form fields, as strings (what the form posts, what the API accepts). */
export function observationFieldsFrom(form: FormData | Record<string, unknown>): Record<string, unknown> {
  const get = (k: string) => (form instanceof FormData ? form.get(k) : form[k]);
  const out: Record<string, unknown> = {};
  for (const k of ['lon', 'lat', 'category', 'description', 'observedAt', 'photoUploadId']) {
    const v = get(k);
    out[k] = typeof v === 'string' || typeof v === 'number' ? v : undefined;
  }
  return out;
}

export const resolveSchema = z.object({
  ids: z.array(z.string().regex(/^[0-9a-f-]{36}$/i)).min(1).max(100),
});
