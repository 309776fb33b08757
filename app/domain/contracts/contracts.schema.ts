// The contract form (a contract and its obligations): one zod schema for the browser form
// (conform), the action and the JSON API, built with the page's translate function so
// every field error is in the user's language. Safe for the browser.
import { z } from 'zod';
import type { Translate } from '../contributions/contributions.schema';
import { frequencies, isIsoDate, MAX_OCCURRENCES, dueDates } from './schedule';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

const isoDate = (t: Translate) =>
  z
    .string({ error: t('contracts:errors.required') })
    .trim()
    .refine(isIsoDate, t('contracts:errors.date'));

/** Due dates from a form (one string, separated by spaces, commas or lines) or from JSON (array). */
const dateList = (t: Translate) =>
  z.preprocess(
    (v) => {
      if (v === undefined || v === null || v === '') return [];
      if (typeof v === 'string') return v.split(/[\s,;]+/).filter(Boolean);
      return v;
    },
    z
      .array(z.string().refine(isIsoDate, t('contracts:errors.dueDate')))
      .max(MAX_OCCURRENCES, t('contracts:errors.tooManyDates')),
  );

export const obligationSchema = (t: Translate) =>
  z
    .object({
      /** An obligation already recorded (editing a contract); absent for a new one. */
      id: z.preprocess(emptyToUndefined, z.string().regex(UUID).optional()),
      datasetTitle: z
        .string({ error: t('contracts:errors.required') })
        .trim()
        .min(3, t('contracts:errors.length', { min: 3, max: 300 }))
        .max(300, t('contracts:errors.length', { min: 3, max: 300 })),
      /** An existing catalogue dataset (its id or slug), or nothing for a new dataset. */
      dataset: z.preprocess(emptyToUndefined, z.string().trim().max(200).optional()),
      frequency: z.preprocess(
        emptyToUndefined,
        z.enum(frequencies, { error: t('contracts:errors.frequency') }).optional(),
      ),
      firstDueOn: z.preprocess(emptyToUndefined, isoDate(t).optional()),
      dueDates: dateList(t).default([]),
      expectedFormat: z
        .string({ error: t('contracts:errors.required') })
        .trim()
        .min(3, t('contracts:errors.length', { min: 3, max: 2000 }))
        .max(2000, t('contracts:errors.length', { min: 3, max: 2000 })),
      licence: z
        .string({ error: t('contracts:errors.licence') })
        .trim()
        .min(1, t('contracts:errors.licence'))
        .max(100),
    })
    .superRefine((o, ctx) => {
      if (!o.frequency && o.dueDates.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['frequency'],
          message: t('contracts:errors.scheduleRequired'),
        });
        ctx.addIssue({
          code: 'custom',
          path: ['dueDates'],
          message: t('contracts:errors.scheduleRequired'),
        });
      }
      if (o.frequency && o.dueDates.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['dueDates'],
          message: t('contracts:errors.scheduleBoth'),
        });
      }
      if (o.firstDueOn && !o.frequency) {
        ctx.addIssue({
          code: 'custom',
          path: ['firstDueOn'],
          message: t('contracts:errors.firstDueWithoutFrequency'),
        });
      }
    });

export const contractSchema = (t: Translate) =>
  z
    .object({
      publicBodyId: z
        .string({ error: t('contracts:errors.publicBody') })
        .regex(UUID, t('contracts:errors.publicBody')),
      contractorId: z
        .string({ error: t('contracts:errors.contractor') })
        .regex(UUID, t('contracts:errors.contractor')),
      reference: z
        .string({ error: t('contracts:errors.required') })
        .trim()
        .min(1, t('contracts:errors.required'))
        .max(100, t('contracts:errors.length', { min: 1, max: 100 })),
      title: z
        .string({ error: t('contracts:errors.required') })
        .trim()
        .min(3, t('contracts:errors.length', { min: 3, max: 300 }))
        .max(300, t('contracts:errors.length', { min: 3, max: 300 })),
      startsOn: isoDate(t),
      endsOn: isoDate(t),
      noticeUrl: z.preprocess(
        emptyToUndefined,
        z
          .url({ protocol: /^https?$/, error: t('contracts:errors.url') })
          .max(2000)
          .optional(),
      ),
      obligations: z
        .array(obligationSchema(t), { error: t('contracts:errors.obligationsRequired') })
        .min(1, t('contracts:errors.obligationsRequired'))
        .max(50),
    })
    .superRefine((c, ctx) => {
      if (c.publicBodyId === c.contractorId) {
        ctx.addIssue({
          code: 'custom',
          path: ['contractorId'],
          message: t('contracts:errors.sameParty'),
        });
      }
      if (c.startsOn > c.endsOn) {
        ctx.addIssue({
          code: 'custom',
          path: ['endsOn'],
          message: t('contracts:errors.endBeforeStart'),
        });
        return;
      }
      c.obligations.forEach((o, i) => {
        const outside = [...o.dueDates, ...(o.firstDueOn ? [o.firstDueOn] : [])].filter(
          (d) => d < c.startsOn || d > c.endsOn,
        );
        if (outside.length) {
          ctx.addIssue({
            code: 'custom',
            path: [
              'obligations',
              i,
              o.firstDueOn && outside.includes(o.firstDueOn) ? 'firstDueOn' : 'dueDates',
            ],
            message: t('contracts:errors.dueOutsidePeriod', { dates: outside.join(', ') }),
          });
        } else if (
          dueDates({ startsOn: c.startsOn, endsOn: c.endsOn, ...o }).length > MAX_OCCURRENCES
        ) {
          ctx.addIssue({
            code: 'custom',
            path: ['obligations', i, 'frequency'],
            message: t('contracts:errors.tooManyDates'),
          });
        }
      });
    });

export type ContractInput = z.infer<ReturnType<typeof contractSchema>>;
export type ObligationInput = z.infer<ReturnType<typeof obligationSchema>>;

export const linkDeliverySchema = (t: Translate) =>
  z.object({
    contributionId: z
      .string({ error: t('contracts:errors.contribution') })
      .regex(UUID, t('contracts:errors.contribution')),
    /** Which occurrence (its due date); by default the earliest one still open. */
    dueOn: z.preprocess(emptyToUndefined, isoDate(t).optional()),
  });
export type LinkDeliveryInput = z.infer<ReturnType<typeof linkDeliverySchema>>;
