// The OpenAPI 3.1 document of /api/v1, generated from the zod schemas of v1.server.ts
// (z.toJSONSchema, JSON Schema 2020-12 as OpenAPI 3.1 uses): not written by hand.
import { z } from 'zod';
import {
  communeSchema,
  datasetSchema,
  datasetSearchQuery,
  distributionSchema,
  licenceSchema,
  listOf,
  organisationSchema,
  pageOf,
  pageQuery,
  problemSchema,
  themeSchema,
  versionSchema,
} from './v1.server';
import {
  contributionPaths,
  contributionRequestSchemas,
  contributionResponseSchemas,
  securitySchemes,
} from './contributions.openapi.server';
import {
  contractPaths,
  contractRequestSchemas,
  contractResponseSchemas,
} from '../contracts/openapi.server';
import { usagePaths, usageResponseSchemas } from '../usage/openapi.server';
import { observationPaths, observationResponseSchemas } from '../observations/openapi.server';

type Schema = Record<string, unknown>;

function jsonSchema(s: z.ZodType, io: 'input' | 'output' = 'output'): Schema {
  const out = z.toJSONSchema(s, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
    reused: 'inline',
  }) as Schema;
  delete out.$schema;
  return out;
}

function queryParameters(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = jsonSchema(field as z.ZodType, 'input');
    const description = typeof s.description === 'string' ? s.description : undefined;
    delete s.description;
    const isArray =
      s.type === 'array' ||
      (Array.isArray(s.anyOf) && (s.anyOf as Schema[]).some((x) => x.type === 'array'));
    return {
      name,
      in: 'query',
      required: false,
      ...(description ? { description } : {}),
      schema: isArray
        ? { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 10 }
        : s,
      ...(isArray ? { style: 'form', explode: true } : {}),
    };
  });
}

const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', maxLength: 200 },
});

const problems = {
  '400': {
    description: 'Invalid parameters',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  },
  '404': {
    description: 'Unknown resource',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  },
};
const ok = (ref: string, description: string) => ({
  '200': {
    description,
    headers: {
      ETag: { description: 'Send it back in If-None-Match for a 304.', schema: { type: 'string' } },
    },
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
  },
  '304': { description: 'Not modified (If-None-Match matched the ETag)' },
  '406': {
    description: 'The Accept header admits no JSON (`formats` lists what is served)',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  },
});

export function openApiDocument(origin: string) {
  const registry = z.registry<{ id: string }>();
  const named: [string, z.ZodType][] = [
    ['Problem', problemSchema],
    ['Dataset', datasetSchema],
    ['Distribution', distributionSchema],
    ['Version', versionSchema],
    ['Organisation', organisationSchema],
    ['Commune', communeSchema],
    ['Licence', licenceSchema],
    ['Theme', themeSchema],
    ['DatasetPage', pageOf(datasetSchema)],
    ['OrganisationPage', pageOf(organisationSchema)],
    ['VersionList', listOf(versionSchema)],
    ['DistributionList', listOf(distributionSchema)],
    ['CommuneList', listOf(communeSchema)],
    ['LicenceList', listOf(licenceSchema)],
    ['ThemeList', listOf(themeSchema)],
    ...contributionResponseSchemas,
    ...contractResponseSchemas,
    ...usageResponseSchemas,
    ...observationResponseSchemas,
  ];
  for (const [id, s] of named) registry.add(s, { id });
  // Request bodies are described as the client sends them (io: 'input': defaults optional).
  const inputs = z.registry<{ id: string }>();
  for (const [id, s] of [...contributionRequestSchemas, ...contractRequestSchemas])
    inputs.add(s, { id });
  const components: Record<string, Schema> = {};
  for (const [reg, io] of [
    [registry, 'output'],
    [inputs, 'input'],
  ] as const) {
    const generated = z.toJSONSchema(reg, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      uri: (id) => `#/components/schemas/${id}`,
    }) as {
      schemas: Record<string, Schema>;
    };
    for (const [id, s] of Object.entries(generated.schemas)) {
      const copy = { ...s };
      delete copy.$schema;
      delete copy.$id;
      components[id] = copy;
    }
  }
  const datasetParam = pathParam('idOrSlug', 'Dataset slug or id');
  return {
    openapi: '3.1.0',
    info: {
      title: 'terridata API',
      version: '1.0.0',
      description:
        'Read the catalogue of the territory’s open data. Lists are paged with opaque cursors (`links.next`); errors are RFC 9457 problem details; responses carry ETags. The same catalogue is also served as DCAT-AP 3 at /catalog and through a CKAN-compatible API at /api/3/action/. Reading the catalogue needs no account; contributions and uploads need the site’s session cookie or a Bearer credential.',
      license: {
        name: 'Licence Ouverte 2.0',
        url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/',
      },
    },
    servers: [{ url: `${origin}/api/v1` }],
    paths: {
      '/datasets': {
        get: {
          operationId: 'searchDatasets',
          summary: 'Search datasets (same filters as the catalogue page), newest update first',
          parameters: queryParameters(datasetSearchQuery),
          responses: { ...ok('DatasetPage', 'A page of datasets'), '400': problems['400'] },
        },
      },
      '/datasets/{idOrSlug}': {
        get: {
          operationId: 'getDataset',
          summary: 'One dataset with its current files (410 once retracted)',
          parameters: [datasetParam],
          responses: {
            ...ok('Dataset', 'The dataset'),
            '404': problems['404'],
            '410': {
              description: 'Retracted',
              content: {
                'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
              },
            },
          },
        },
      },
      '/datasets/{idOrSlug}/versions': {
        get: {
          operationId: 'listVersions',
          summary: 'The dataset’s versions, newest first',
          parameters: [datasetParam],
          responses: { ...ok('VersionList', 'Versions'), '404': problems['404'] },
        },
      },
      '/datasets/{idOrSlug}/distributions': {
        get: {
          operationId: 'listDistributions',
          summary: 'The files of the current version',
          parameters: [datasetParam],
          responses: { ...ok('DistributionList', 'Files'), '404': problems['404'] },
        },
      },
      '/organisations': {
        get: {
          operationId: 'listOrganisations',
          summary: 'Organisations by slug',
          parameters: queryParameters(pageQuery),
          responses: {
            ...ok('OrganisationPage', 'A page of organisations'),
            '400': problems['400'],
          },
        },
      },
      '/organisations/{slug}': {
        get: {
          operationId: 'getOrganisation',
          summary: 'One organisation',
          parameters: [pathParam('slug', 'Organisation slug')],
          responses: { ...ok('Organisation', 'The organisation'), '404': problems['404'] },
        },
      },
      '/communes': {
        get: {
          operationId: 'listCommunes',
          summary: 'The communes of the territory (and the Métropole)',
          responses: ok('CommuneList', 'Communes'),
        },
      },
      '/licences': {
        get: {
          operationId: 'listLicences',
          summary: 'Licences a dataset may carry',
          responses: ok('LicenceList', 'Licences'),
        },
      },
      '/themes': {
        get: {
          operationId: 'listThemes',
          summary: 'Themes of the catalogue',
          responses: ok('ThemeList', 'Themes'),
        },
      },
      ...contributionPaths(),
      ...contractPaths(),
      ...usagePaths(),
      ...observationPaths(),
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          summary: 'This document',
          responses: {
            '200': {
              description: 'OpenAPI 3.1',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            '406': ok('Problem', '')['406'],
          },
        },
      },
    },
    components: { schemas: components, securitySchemes },
  };
}
