// Input of the ledger pages, parsed at the boundary (browser-safe).
import { z } from 'zod';
import { subjectTypes } from './rules';

export const subjectParamsSchema = z.object({
  subjectType: z.enum(subjectTypes),
  subjectId: z.uuid().transform((s) => s.toLowerCase()),
});

export const pageSchema = z.coerce.number().int().min(1).max(1_000_000).catch(1);

// An empty field of the GET form means "not chosen".
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const leaderboardQuerySchema = z.object({
  mois: optional(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/)),
  commune: optional(z.string().regex(/^[0-9AB]{5}$/)),
});

export const flagDecisionSchema = z.object({
  flagId: z.coerce.number().int().positive(),
  decision: z.enum(['reverse', 'dismiss']),
});

export const checkpointIdSchema = z.coerce.number().int().positive();
