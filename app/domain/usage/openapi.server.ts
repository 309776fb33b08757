// The usage part of /api/v1 in the OpenAPI document: an organisation's data usage, for its
// members (session) and its tokens with scope `read-usage`. openapi.server.ts registers it.
import { z } from 'zod';
import { usagePeriods } from './usage.schema';

export const usageResponseSchema = z.object({
  organisation: z.string().describe('Organisation slug'),
  periodDays: z.union(
    usagePeriods.map((p) => z.literal(p)) as [
      z.ZodLiteral<30>,
      z.ZodLiteral<90>,
      z.ZodLiteral<365>,
    ],
  ),
  total: z.number().int().describe('Downloads in the period (each client once per file and day)'),
  days: z.array(z.object({ day: z.string().describe('YYYY-MM-DD'), downloads: z.number().int() })),
  datasets: z.array(
    z.object({
      id: z.uuid(),
      slug: z.string(),
      title: z.string(),
      downloads: z.number().int(),
      traceableDownloads: z.number().int(),
    }),
  ),
  reusers: z.array(
    z.object({
      reuser: z.string().describe('Pseudonym of the reuser'),
      reuserOrganization: z.string().nullable(),
      keyName: z.string().nullable(),
      purpose: z.string().nullable().describe('The purpose declared with the key'),
      via: z.enum(['session', 'credential']),
      downloads: z.number().int(),
      datasets: z.array(z.string()),
      lastAt: z.string().describe('ISO 8601 date-time'),
    }),
  ),
});

export const usageResponseSchemas: [string, z.ZodType][] = [
  ['OrganisationUsage', usageResponseSchema],
];

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});

export function usagePaths() {
  return {
    '/organisations/{slug}/usage': {
      get: {
        operationId: 'getOrganisationUsage',
        summary:
          'Usage of the organisation’s data: downloads per day and per dataset, reusers of its traceable data with their declared purpose (its members, or its tokens with scope read-usage)',
        security: [{ sessionCookie: [] }, { bearerToken: [] }],
        parameters: [
          {
            name: 'slug',
            in: 'path',
            required: true,
            description: 'Organisation slug',
            schema: { type: 'string', maxLength: 200 },
          },
          {
            name: 'jours',
            in: 'query',
            required: false,
            description: 'Period in days (30, 90 or 365; default 30)',
            schema: { type: 'integer', enum: [...usagePeriods] },
          },
        ],
        responses: {
          '200': {
            description: 'The usage',
            content: { 'application/json': { schema: ref('OrganisationUsage') } },
          },
          '401': problem('Not signed in, or no valid credential'),
          '403': problem(
            'Not a member of the organisation, a token of another organisation, or a credential without scope read-usage',
          ),
        },
      },
    },
  };
}
