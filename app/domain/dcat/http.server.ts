// HTTP side of the DCAT-AP export: content negotiation and the 406 that lists the formats.
import { problem } from '../api/problem.server';
import { RDF_FORMATS, negotiate, serialise } from './rdf';
import type { Graph, RdfFormat } from './rdf';

export function chooseFormat(request: Request): RdfFormat | Response {
  const url = new URL(request.url);
  const format = negotiate(request.headers.get('accept'), url.searchParams.get('format'));
  if (format) return format;
  return problem(
    406,
    'Not Acceptable',
    `Formats available / formats disponibles : ${RDF_FORMATS.map((f) => `${f.type} (?format=${f.ext})`).join(', ')}`,
    { formats: RDF_FORMATS.map((f) => ({ type: f.type, format: f.ext })) },
    { Vary: 'Accept' },
  );
}

export function rdfResponse(
  g: Graph,
  format: RdfFormat,
  headers: Record<string, string> = {},
): Response {
  return new Response(serialise(g, format), {
    status: 200,
    headers: {
      'Content-Type': `${format}; charset=utf-8`,
      Vary: 'Accept',
      'Cache-Control': 'public, max-age=300',
      'Access-Control-Allow-Origin': '*',
      ...headers,
    },
  });
}
