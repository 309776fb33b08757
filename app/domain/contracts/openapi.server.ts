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
    'CorrectedContract',
    z.object({
      id: z.uuid(),
      changed: z.boolean().describe('Whether anything changed (nothing is written otherwise)'),
      added: z.number().int().describe('Due dates added'),
      removed: z.number().int().describe('Due dates removed (nothing was delivered for them)'),
      keptOutsideSchedule: z
        .number()
        .int()
        .describe('Due dates no longer in the schedule, kept because a delivery was made for them'),
      links: z.object({ transparency: z.string(), edit: z.string() }),
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
  [
    'ContractCorrection',
    // The recording schema's fields but the public body (a correction cannot move it).
    z
      .object(
        Object.fromEntries(
          Object.entries(contractInputSchema(keys).shape).filter(([k]) => k !== 'publicBodyId'),
        ),
      )
      .describe(
        'The whole corrected contract; each recorded obligation keeps its `id`, one left out is removed, one without `id` is added',
      ),
  ],
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
    '/contracts/{id}': {
      put: {
        operationId: 'correctContract',
        summary:
          'Correct a recorded contract (an admin of its public body): due dates are computed again; one with a delivery is never lost (decision 017)',
        security: signedIn,
        parameters: [{ ...idParam, description: 'Contract id' }],
        requestBody: body('ContractCorrection'),
        responses: {
          '200': json(
            'CorrectedContract',
            'Corrected (or unchanged), with what happened to the due dates',
          ),
          '400': problem('The body is not JSON'),
          '401': problem('Not signed in, or no valid credential'),
          '403': problem(
            'Not an admin of the contract’s public body, or a credential without scope contribute',
          ),
          '404': problem('Unknown contract'),
          '422': problem(
            'Invalid contract, or a change refused because of deliveries (the contractor, an obligation’s dataset, removing an obligation), with field `errors` in the caller’s language; nothing is written',
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
