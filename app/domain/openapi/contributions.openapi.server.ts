// The signed-in part of /api/v1 in the OpenAPI document: contributions and the caller's
// uploads. Schemas come from app/domain/contributions/api.schema.ts (the ones the routes
// parse with); openapi.server.ts registers them and adds these paths.
import type { z } from 'zod';
import {
  contributionFileBody,
  contributionListSchema,
  contributionSchema,
  createContributionBody,
  createdContributionSchema,
  draftMetadataBody,
  submittedContributionSchema,
  uploadListSchema,
  withdrawnContributionSchema,
} from '../contributions/api.schema';

/** Response schemas, registered as components (output shapes). */
export const contributionResponseSchemas: [string, z.ZodType][] = [
  ['Contribution', contributionSchema],
  ['ContributionList', contributionListSchema],
  ['CreatedContribution', createdContributionSchema],
  ['SubmittedContribution', submittedContributionSchema],
  ['WithdrawnContribution', withdrawnContributionSchema],
  ['UploadList', uploadListSchema],
];

/** Request bodies, registered as components (input shapes: defaults are optional). */
export const contributionRequestSchemas: [string, z.ZodType][] = [
  ['NewContribution', createContributionBody],
  ['DraftMetadata', draftMetadataBody],
  ['ContributionFileRef', contributionFileBody],
];

/** Who may call the signed-in routes: the session cookie of the site, or a credential. */
export const securitySchemes = {
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'td_session',
    description:
      'The session of a signed-in user of the site (browsers). A request that carries it and changes something must come from the site’s own origin (CSRF check), else 403.',
  },
  bearerToken: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A personal or organisation credential, sent as `Authorization: Bearer <token>` (no cookie needed, no origin check).',
  },
} as const;

const signedIn = [{ sessionCookie: [] }, { bearerToken: [] }];

/** Who reads contributions back with a credential (decision 018). */
const POLL_DESCRIPTION =
  'With a credential: scope `read` or `contribute` (a program that delivers polls what it delivered without asking for `read`). An organisation token sees the contributions it created and its organisation’s submitted ones, not the other contributions of the admin who created it; a personal key sees what its owner sees. A credential without either scope: 403 with `requiredScope` and `acceptedScopes`.';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const P = {
  '400': problem('The body is not JSON'),
  '401': problem('Not signed in, or no valid credential'),
  '403': problem(
    'A credential without the needed scope, or a cross-origin request made with the session cookie (CSRF check)',
  ),
  '404': problem('Unknown contribution, or not one the caller may see'),
  '409': problem(
    'Not possible in the contribution’s state (`code`: not_editable, already_submitted, stale)',
  ),
  '422': problem(
    'Invalid body or refused submission, with `code` and field `errors` in the caller’s language',
  ),
};
const json = (id: string, description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref(id) } },
});
const body = (id: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(id) } },
});
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Contribution id',
  schema: { type: 'string', maxLength: 200 },
};

export function contributionPaths() {
  return {
    '/contributions': {
      get: {
        operationId: 'listContributions',
        summary: 'The caller’s contributions and those made for their organisations, newest first',
        description: POLL_DESCRIPTION,
        security: signedIn,
        responses: {
          '200': json('ContributionList', 'Contributions'),
          '401': P['401'],
          '403': P['403'],
        },
      },
      post: {
        operationId: 'createContribution',
        summary: 'Start a draft (a new dataset, or an update of a published dataset)',
        security: signedIn,
        requestBody: body('NewContribution'),
        responses: {
          '201': json('CreatedContribution', 'The draft', {
            Location: { description: 'The draft’s URL', schema: { type: 'string' } },
          }),
          '400': P['400'],
          '401': P['401'],
          '403': P['403'],
          '422': P['422'],
        },
      },
    },
    '/contributions/{id}': {
      get: {
        operationId: 'getContribution',
        summary: 'State, revisions, files with their validation reports, history',
        description: POLL_DESCRIPTION,
        security: signedIn,
        parameters: [idParam],
        responses: {
          '200': json('Contribution', 'The contribution'),
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
        },
      },
      patch: {
        operationId: 'saveContributionDraft',
        summary: 'Save draft metadata (any part; completeness is checked at submission)',
        security: signedIn,
        parameters: [idParam],
        requestBody: body('DraftMetadata'),
        responses: {
          '200': json('Contribution', 'The contribution'),
          '400': P['400'],
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
          '409': P['409'],
          '422': P['422'],
        },
      },
      delete: {
        operationId: 'discardContributionDraft',
        summary: 'Discard a draft',
        security: signedIn,
        parameters: [idParam],
        responses: {
          '204': { description: 'Discarded' },
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
          '409': P['409'],
        },
      },
    },
    '/contributions/{id}/files': {
      post: {
        operationId: 'attachContributionFile',
        summary: 'Attach one of the caller’s uploads to the working revision',
        security: signedIn,
        parameters: [idParam],
        requestBody: body('ContributionFileRef'),
        responses: {
          '200': json('Contribution', 'The contribution'),
          '400': P['400'],
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
          '409': P['409'],
          '422': P['422'],
        },
      },
      delete: {
        operationId: 'detachContributionFile',
        summary: 'Detach an upload from the working revision',
        security: signedIn,
        parameters: [idParam],
        requestBody: body('ContributionFileRef'),
        responses: {
          '200': json('Contribution', 'The contribution'),
          '400': P['400'],
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
          '409': P['409'],
          '422': P['422'],
        },
      },
    },
    '/contributions/{id}/submit': {
      post: {
        operationId: 'submitContribution',
        summary: 'Submit (or resubmit after a request for changes) the working revision',
        security: signedIn,
        parameters: [idParam],
        responses: {
          '200': json('SubmittedContribution', 'Submitted (or auto-approved)'),
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
          '409': P['409'],
          '422': P['422'],
        },
      },
    },
    '/contributions/{id}/withdraw': {
      post: {
        operationId: 'withdrawContribution',
        summary: 'Withdraw a contribution awaiting review',
        security: signedIn,
        parameters: [idParam],
        responses: {
          '200': json('WithdrawnContribution', 'Withdrawn'),
          '401': P['401'],
          '403': P['403'],
          '404': P['404'],
          '409': P['409'],
        },
      },
    },
    '/uploads': {
      get: {
        operationId: 'listUploads',
        summary:
          'The caller’s uploads (sent with tus to /uploads/files) and their status, newest first',
        security: signedIn,
        responses: { '200': json('UploadList', 'Uploads'), '401': P['401'], '403': P['403'] },
      },
    },
  };
}
