// The state of a catalogue search, entirely in the URL (so it works without JavaScript,
// can be bookmarked, and the back button works): parsed by one zod schema on the server,
// rebuilt by `searchHref` for every link the page draws.
import { z } from 'zod';

export const FACETS = ['theme', 'commune', 'licence', 'org', 'kind', 'format'] as const;
export type Facet = (typeof FACETS)[number];
export const SORTS = ['relevance', 'updated', 'downloads'] as const;
export type Sort = (typeof SORTS)[number];
export const SINCE = ['7j', '30j', '1an'] as const;
export type Since = (typeof SINCE)[number];
export const PUBLISHER_KINDS = ['public', 'private', 'citizen'] as const;
export const PAGE_SIZE = 20;
export const MAX_QUERY_LENGTH = 200;
/** Pages past this are refused (deep pagination is what search refinement is for). */
export const MAX_PAGE = 500;

const many = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().trim().max(100)).max(10));

export const searchParamsSchema = z.object({
  q: z
    .string()
    .max(MAX_QUERY_LENGTH, { error: 'queryTooLong' })
    .optional()
    .transform((s) => (s ?? '').trim()),
  theme: many,
  commune: many,
  licence: many,
  org: many,
  kind: many,
  format: many,
  depuis: z.enum(SINCE, { error: 'badSince' }).optional().catch(undefined),
  tri: z.enum(SORTS, { error: 'badSort' }).optional().catch(undefined),
  page: z.preprocess(
    (v) => (v === undefined || v === '' ? 1 : Number(v)),
    z.number({ error: 'badPage' }).int({ error: 'badPage' }).min(1, { error: 'badPage' }).max(MAX_PAGE, { error: 'badPage' }),
  ),
  archives: z.preprocess((v) => v === '1' || v === 'on', z.boolean()),
});

export type SearchParams = z.infer<typeof searchParamsSchema>;

/** URLSearchParams → plain object with repeated keys as arrays. */
export function paramsObject(sp: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(sp.keys())) {
    const all = sp.getAll(key);
    out[key] = all.length > 1 ? all : (all[0] ?? '');
  }
  return out;
}

export function parseSearch(sp: URLSearchParams) {
  return searchParamsSchema.safeParse(paramsObject(sp));
}

/** The URL of the search with some of its state changed (the page goes back to 1). */
export function searchHref(
  s: SearchParams,
  change: Partial<{ [K in Facet]: string[] }> & { q?: string; depuis?: Since | null; tri?: Sort | null; page?: number; archives?: boolean } = {},
): string {
  const next = { ...s, page: 1, ...change } as SearchParams & { depuis?: Since | null; tri?: Sort | null };
  const sp = new URLSearchParams();
  if (next.q) sp.set('q', next.q);
  for (const f of FACETS) for (const v of next[f] ?? []) sp.append(f, v);
  if (next.depuis) sp.set('depuis', next.depuis);
  if (next.tri) sp.set('tri', next.tri);
  if (next.archives) sp.set('archives', '1');
  if (next.page && next.page > 1) sp.set('page', String(next.page));
  const qs = sp.toString();
  return qs ? `/datasets?${qs}` : '/datasets';
}

/** Adds a facet value to the search, or removes it when it is already selected. */
export function toggleFacet(s: SearchParams, facet: Facet, value: string): string {
  const current = s[facet] ?? [];
  return searchHref(s, { [facet]: current.includes(value) ? current.filter((v) => v !== value) : [...current, value] });
}
