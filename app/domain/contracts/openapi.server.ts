// The contracts part of /api/v1 in the OpenAPI document: the public transparency report,
// one obligation (what a delivering program polls), recording a contract, and linking a
// delivery. Schemas are the ones the routes use; openapi.server.ts registers them.
import { z } from 'zod';
import { contractSchema as contractInputSchema, linkDeliverySchema } from './contracts.schema';
import {
  obligationDetailSchema,
  transparencyQuery,
  transparencySchema,
} from './transparency.server';

const keys = (k: string) => k;

export const contractResponseSchemas: [string, z.ZodType][] = [
  ['TransparencyReport', transparencySchema],
  ['Obligation', obligationDetailSchema],
  [
    'RecordedContract',
    z.object({
      id: z.uuid(),
      occurrences: z.number().int(),
      links: z.object({ transparency: z.string() }),
    }),
  ],
  [
    'LinkedDelivery',
    z.object({
      occurrenceId: z.uuid(),
      dueOn: z.string(),
      contributionId: z.uuid(),
      links: z.object({ obligation: z.string(), contribution: z.string() }),
    }),
  ],
];

export const contractRequestSchemas: [string, z.ZodType][] = [
  ['NewContract', contractInputSchema(keys)],
  ['DeliveryLink', linkDeliverySchema(keys)],
];

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const json = (id: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(id) } },
});
const body = (id: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(id) } },
});
const signedIn = [{ sessionCookie: [] }, { bearerToken: [] }];
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Obligation id',
  schema: { type: 'string', maxLength: 200 },
};

export function contractPaths() {
  return {
    '/contracts': {
      get: {
        operationId: 'getTransparencyReport',
        summary:
          'Public contracts with an open-data clause: obligations, due dates and compliance per contractor and per public body',
        parameters: Object.entries(transparencyQuery.shape).map(([name, s]) => ({
          name,
          in: 'query',
          required: false,
          description: (s as z.ZodType).description,
          schema: { type: 'string', maxLength: 200 },
        })),
        responses: {
          '200': json('TransparencyReport', 'The report'),
          '400': problem('Invalid filters'),
        },
      },
      post: {
        operationId: 'recordContract',
        summary:
          'Record a contract with its obligations (an admin of the public body; an organisation token records for its own body only)',
        security: signedIn,
        requestBody: body('NewContract'),
        responses: {
          '201': json('RecordedContract', 'Recorded, with the number of due dates computed'),
          '400': problem('The body is not JSON'),
          '401': problem('Not signed in, or no valid credential'),
          '403': problem(
            'Not an admin of this public body, or a credential without scope contribute',
          ),
          '422': problem(
            'Invalid contract, with field `errors` in the caller’s language; nothing is written',
          ),
        },
      },
    },
    '/contracts/obligations/{id}': {
      get: {
        operationId: 'getObligation',
        summary:
          'One obligation, its contract and its due dates with their status (poll it after delivering)',
        parameters: [idParam],
        responses: {
          '200': json('Obligation', 'The obligation'),
          '404': problem('Unknown obligation'),
        },
      },
    },
    '/contracts/obligations/{id}/deliveries': {
      post: {
        operationId: 'linkDelivery',
        summary:
          'Link one of the contractor’s contributions to a due date of the obligation (`dueOn`, or the earliest open one); publication of the contribution fulfils it',
        security: signedIn,
        parameters: [idParam],
        requestBody: body('DeliveryLink'),
        responses: {
          '201': json('LinkedDelivery', 'Linked'),
          '400': problem('The body is not JSON'),
          '401': problem('Not signed in, or no valid credential'),
          '403': problem(
            'The obligation belongs to another organisation (`code`: foreign_obligation), or a credential without scope contribute',
          ),
          '404': problem('Unknown obligation, contribution or due date'),
          '409': problem(
            '`code`: already_linked, already_fulfilled, not_linkable, no_open_occurrence',
          ),
          '422': problem(
            'Invalid body or refused contribution (`code`: foreign_contribution, wrong_dataset, wrong_kind), with field `errors`',
          ),
        },
      },
    },
  };
}
