// A small RDF graph and its three serialisations (Turtle, RDF/XML, JSON-LD with an inline
// context). Only what the DCAT-AP export needs: IRIs, blank nodes, literals with a
// language or a datatype; every predicate lives in one of the prefixes below.

export const PREFIXES = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  spdx: 'http://spdx.org/rdf/terms#',
  locn: 'http://www.w3.org/ns/locn#',
  gsp: 'http://www.opengis.net/ont/geosparql#',
  hydra: 'http://www.w3.org/ns/hydra/core#',
  adms: 'http://www.w3.org/ns/adms#',
} as const;
export type Prefix = keyof typeof PREFIXES;

export type Term =
  { iri: string } | { bnode: string } | { literal: string; lang?: string; datatype?: string };
export interface Triple {
  s: { iri: string } | { bnode: string };
  p: string; // full IRI
  o: Term;
}

export const iri = (value: string): { iri: string } => ({ iri: value });
export const lit = (value: string, lang?: string): Term => ({
  literal: value,
  ...(lang ? { lang } : {}),
});
export const typed = (value: string, type: `${Prefix}:${string}`): Term => ({
  literal: value,
  datatype: expand(type),
});

export function expand(qname: `${Prefix}:${string}` | string): string {
  const i = qname.indexOf(':');
  const prefix = qname.slice(0, i) as Prefix;
  return prefix in PREFIXES ? PREFIXES[prefix] + qname.slice(i + 1) : qname;
}

function compact(full: string): { prefix: Prefix; local: string } | null {
  for (const [prefix, ns] of Object.entries(PREFIXES) as [Prefix, string][]) {
    if (full.startsWith(ns)) {
      const local = full.slice(ns.length);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(local)) return { prefix, local };
    }
  }
  return null;
}

export class Graph {
  readonly triples: Triple[] = [];
  private n = 0;
  bnode(): { bnode: string } {
    return { bnode: `b${++this.n}` };
  }
  add(s: Triple['s'], p: `${Prefix}:${string}`, o: Term | null | undefined): void {
    if (o) this.triples.push({ s, p: expand(p), o });
  }
}

// ------------------------------------------------------------------ Turtle

const escTurtle = (s: string) =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
const escIri = (s: string) =>
  s.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what must be escaped
    /[\u0000-\u0020<>"{}|^`\\]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

function turtleTerm(t: Term | Triple['s']): string {
  if ('iri' in t) {
    const c = compact(t.iri);
    return c ? `${c.prefix}:${c.local}` : `<${escIri(t.iri)}>`;
  }
  if ('bnode' in t) return `_:${t.bnode}`;
  const v = `"${escTurtle(t.literal)}"`;
  if (t.lang) return `${v}@${t.lang}`;
  if (t.datatype) return `${v}^^${turtleTerm({ iri: t.datatype })}`;
  return v;
}

export function toTurtle(g: Graph): string {
  const head = Object.entries(PREFIXES)
    .map(([p, ns]) => `@prefix ${p}: <${ns}> .`)
    .join('\n');
  const bySubject = groupBySubject(g);
  const blocks = [...bySubject.values()].map(({ s, triples }) => {
    const lines = triples.map(
      (t, i) =>
        `    ${t.p === PREFIXES.rdf + 'type' ? 'a' : turtleTerm({ iri: t.p })} ${turtleTerm(t.o)}${i === triples.length - 1 ? ' .' : ' ;'}`,
    );
    return `${turtleTerm(s)}\n${lines.join('\n')}`;
  });
  return `${head}\n\n${blocks.join('\n\n')}\n`;
}

function groupBySubject(g: Graph) {
  const m = new Map<string, { s: Triple['s']; triples: Triple[] }>();
  for (const t of g.triples) {
    const key = 'iri' in t.s ? `<${t.s.iri}>` : `_:${t.s.bnode}`;
    let e = m.get(key);
    if (!e) m.set(key, (e = { s: t.s, triples: [] }));
    e.triples.push(t);
  }
  return m;
}

// ------------------------------------------------------------------ RDF/XML

const escXml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // A raw CR would be read back as LF (XML end-of-line handling): keep it as a reference.
    .replace(/\r/g, '&#13;')
    // Characters XML 1.0 cannot carry at all.
    // eslint-disable-next-line no-control-regex -- they are what is removed
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

export function toRdfXml(g: Graph): string {
  const ns = Object.entries(PREFIXES)
    .map(([p, u]) => `xmlns:${p}="${u}"`)
    .join('\n  ');
  const out: string[] = [`<?xml version="1.0" encoding="utf-8"?>`, `<rdf:RDF\n  ${ns}>`];
  for (const { s, triples } of groupBySubject(g).values()) {
    const about = 'iri' in s ? `rdf:about="${escXml(s.iri)}"` : `rdf:nodeID="${s.bnode}"`;
    out.push(`  <rdf:Description ${about}>`);
    for (const t of triples) {
      const c = compact(t.p);
      if (!c) continue;
      const name = `${c.prefix}:${c.local}`;
      const o = t.o;
      if ('iri' in o) out.push(`    <${name} rdf:resource="${escXml(o.iri)}"/>`);
      else if ('bnode' in o) out.push(`    <${name} rdf:nodeID="${o.bnode}"/>`);
      else {
        const attrs = o.lang
          ? ` xml:lang="${o.lang}"`
          : o.datatype
            ? ` rdf:datatype="${escXml(o.datatype)}"`
            : '';
        out.push(`    <${name}${attrs}>${escXml(o.literal)}</${name}>`);
      }
    }
    out.push('  </rdf:Description>');
  }
  out.push('</rdf:RDF>', '');
  return out.join('\n');
}

// ------------------------------------------------------------------ JSON-LD

export function toJsonLd(g: Graph): Record<string, unknown> {
  const context: Record<string, string> = { ...PREFIXES };
  const nodes = [...groupBySubject(g).values()].map(({ s, triples }) => {
    const node: Record<string, unknown> = { '@id': 'iri' in s ? s.iri : `_:${s.bnode}` };
    for (const t of triples) {
      if (t.p === PREFIXES.rdf + 'type' && 'iri' in t.o) {
        const c = compact(t.o.iri);
        const list = (node['@type'] as string[] | undefined) ?? [];
        list.push(c ? `${c.prefix}:${c.local}` : t.o.iri);
        node['@type'] = list;
        continue;
      }
      const c = compact(t.p);
      const key = c ? `${c.prefix}:${c.local}` : t.p;
      const o = t.o;
      const value =
        'iri' in o
          ? { '@id': o.iri }
          : 'bnode' in o
            ? { '@id': `_:${o.bnode}` }
            : o.lang
              ? { '@value': o.literal, '@language': o.lang }
              : o.datatype
                ? { '@value': o.literal, '@type': o.datatype }
                : { '@value': o.literal };
      const list = (node[key] as unknown[] | undefined) ?? [];
      list.push(value);
      node[key] = list;
    }
    return node;
  });
  return { '@context': context, '@graph': nodes };
}

// ------------------------------------------------------------------ negotiation

export const RDF_FORMATS = [
  { type: 'application/ld+json', ext: 'jsonld' },
  { type: 'text/turtle', ext: 'ttl' },
  { type: 'application/rdf+xml', ext: 'rdf' },
] as const;
export type RdfFormat = (typeof RDF_FORMATS)[number]['type'];

/**
 * The format to answer with: `?format=jsonld|ttl|rdf` first, else the Accept header
 * (q-values honoured; application/json counts as JSON-LD; no header or a wildcard gives
 * JSON-LD); null when nothing acceptable can be served.
 */
export function negotiate(accept: string | null, formatParam: string | null): RdfFormat | null {
  if (formatParam)
    return RDF_FORMATS.find((f) => f.ext === formatParam || f.type === formatParam)?.type ?? null;
  if (!accept || !accept.trim()) return 'application/ld+json';
  const ranges = accept
    .split(',')
    .slice(0, 50)
    .map((part, i) => {
      const [range = '', ...params] = part.trim().split(';');
      const qp = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
      const q = qp ? Number(qp.slice(2)) : 1;
      return { range: range.trim().toLowerCase(), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const r of ranges) {
    if (r.range === 'application/json') return 'application/ld+json';
    const exact = RDF_FORMATS.find((f) => f.type === r.range);
    if (exact) return exact.type;
    if (r.range === '*/*' || r.range === 'application/*') return 'application/ld+json';
    if (r.range === 'text/*') return 'text/turtle';
  }
  return null;
}

export function serialise(g: Graph, format: RdfFormat): string {
  if (format === 'text/turtle') return toTurtle(g);
  if (format === 'application/rdf+xml') return toRdfXml(g);
  return JSON.stringify(toJsonLd(g));
}
