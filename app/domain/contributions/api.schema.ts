// The contributions JSON API (/api/v1/contributions…, /api/v1/uploads): the request bodies
// the routes parse and the shapes they answer with. The routes use the request schemas; the
// OpenAPI document is generated from all of them (app/domain/openapi/openapi.server.ts), and
// test/open-api/contract.test.ts checks real answers against the generated document.
import { z } from 'zod';
import { uploadViewSchema } from '../uploads/uploads.schema';
import { draftMetadataSchema } from './contributions.schema';
import { contributionStates } from './state-machine';

const date = z.iso.datetime().meta({ description: 'ISO 8601 date-time (UTC).' });
const state = z.enum(contributionStates);

// ------------------------------------------------------------------ requests

export const createContributionBody = z.object({
  kind: z
    .enum(['new_dataset', 'dataset_update'])
    .default('new_dataset')
    .meta({ description: 'A new dataset, or an update of a published one.' }),
  targetDatasetId: z
    .uuid()
    .optional()
    .meta({ description: 'The dataset to update (required for `dataset_update`).' }),
});

export const contributionFileBody = z.object({
  uploadId: z
    .string()
    .min(1)
    .max(200)
    .meta({ description: 'Id of one of the caller’s uploads (tus, `/uploads/files`).' }),
});

/** PATCH body: any part of the metadata; completeness is checked at submission. */
export const draftMetadataBody = draftMetadataSchema;

// ------------------------------------------------------------------ responses

const reportMessage = z.object({ code: z.string(), fr: z.string(), en: z.string() });

export const contributionFileSchema = z.object({
  id: z.string(),
  filename: z.string(),
  status: z.enum(['uploading', 'complete', 'verified', 'invalid']),
  declaredSize: z.number().int(),
  offset: z.number().int(),
  sha256: z.string().nullable(),
  detectedFormat: z.string().nullable(),
  reasons: z.array(reportMessage).meta({ description: 'Why the file was refused.' }),
  warnings: z.array(reportMessage),
  facts: z.array(z.object({ key: z.string(), value: z.union([z.string(), z.number()]) })),
  columns: z.array(z.string()),
});

export const contributionRevisionSchema = z.object({
  id: z.uuid(),
  number: z.number().int(),
  metadata: draftMetadataSchema,
  frozenAt: date.nullable().meta({ description: 'When it was submitted (null while a draft).' }),
  rightsStatement: z.unknown(),
  files: z.array(contributionFileSchema),
});

export const contributionEventSchema = z.object({
  id: z.number().int(),
  action: z.string(),
  from: z.string(),
  to: z.string(),
  actor: z.string().nullable().meta({ description: 'Pseudonym (null for the system).' }),
  reasonCode: z.string().nullable(),
  comment: z.string().nullable(),
  at: date,
});

export const contributionSchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  state,
  version: z.number().int().meta({ description: 'Bumped by every transition.' }),
  title: z.string(),
  submitterId: z.uuid(),
  submitterPseudonym: z.string(),
  organizationId: z.uuid().nullable(),
  organizationName: z.string().nullable(),
  targetDatasetId: z.uuid().nullable(),
  createdAt: date,
  submittedAt: date.nullable(),
  currentRevisionId: z.uuid().nullable(),
  mine: z.boolean(),
  revisions: z.array(contributionRevisionSchema).meta({ description: 'Newest first.' }),
  events: z.array(contributionEventSchema).meta({ description: 'Oldest first.' }),
});

export const contributionSummarySchema = z.object({
  id: z.uuid(),
  kind: z.string(),
  state,
  title: z.string(),
  organizationName: z.string().nullable(),
  submitterPseudonym: z.string(),
  mine: z.boolean(),
  updatedAt: date,
  submittedAt: date.nullable(),
  revisionCount: z.number().int(),
  fileCount: z.number().int(),
});

export const contributionListSchema = z.object({
  contributions: z.array(contributionSummarySchema),
});

export const createdContributionSchema = z.object({
  id: z.uuid(),
  state: z.literal('draft'),
  links: z.object({ self: z.string(), wizard: z.string() }),
});

export const submittedContributionSchema = z.object({
  id: z.uuid(),
  state,
  version: z.number().int(),
  revisionNumber: z.number().int(),
});

export const withdrawnContributionSchema = z.object({
  id: z.uuid(),
  state: z.literal('withdrawn'),
});

export const uploadListSchema = z.object({ uploads: z.array(uploadViewSchema) });
