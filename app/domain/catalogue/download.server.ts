// Downloads of published files, streamed from storage: never rendered inline (attachment,
// nosniff, a sandboxing CSP, and markup types served as bytes), validators (strong ETag from
// the sha256, Last-Modified), conditional requests (304) and single byte ranges (206, 416).
// Each file's download count grows once per client and day. A file of a retracted version
// answers 410 with the tombstone.
import { createHash } from 'node:crypto';
import { createReadableStreamFromReadable } from '@remix-run/node';
import type { AppLoadContext } from '@remix-run/node';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import type { ObjectStorage } from '../storage/storage.server';
import { identifyReuser, logTraceableDownload } from '../usage/traceable.server';

export interface DownloadTarget {
  state: 'available';
  distributionId: string;
  datasetId: string;
  datasetVersionId: string;
  datasetSlug: string;
  filename: string;
  mediaType: string;
  size: number;
  sha256: string;
  storageKey: string;
  publishedAt: Date;
  licence: { id: string; traceable: boolean } | null;
}

export interface RetractedDownload {
  state: 'retracted';
  datasetSlug: string;
  title: string;
  retractedAt: Date;
  reason: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findDownload(db: DB, slug: string, distributionId: string): Promise<DownloadTarget | RetractedDownload | null> {
  if (!UUID.test(distributionId)) return null;
  const row = await db
    .selectFrom('distribution as x')
    .innerJoin('dataset_version as v', 'v.id', 'x.dataset_version_id')
    .innerJoin('dataset as d', 'd.id', 'v.dataset_id')
    .leftJoin('licence as l', (j) => j.on(sql<boolean>`l.id = v.metadata->>'licence'`))
    .select([
      'x.id',
      'x.filename',
      'x.media_type',
      'x.size',
      'x.sha256',
      'x.storage_key',
      'x.dataset_version_id',
      'v.published_at',
      'v.state as version_state',
      'v.retracted_at as version_retracted_at',
      'v.retraction_reason as version_reason',
      'v.metadata',
      'd.id as dataset_id',
      'd.slug',
      'd.state as dataset_state',
      'd.retracted_at',
      'd.retraction_reason',
      'l.id as licence_id',
      'l.traceable',
    ])
    .where('x.id', '=', distributionId)
    .where('d.slug', '=', slug)
    .executeTakeFirst();
  if (!row) return null;
  if (row.dataset_state === 'retracted' || row.version_state === 'retracted') {
    return {
      state: 'retracted',
      datasetSlug: row.slug,
      title: String((row.metadata as { title?: string }).title ?? row.slug),
      retractedAt: row.version_retracted_at ?? row.retracted_at ?? row.published_at,
      reason: row.version_reason ?? row.retraction_reason ?? '',
    };
  }
  return {
    state: 'available',
    distributionId: row.id,
    datasetId: row.dataset_id,
    datasetVersionId: row.dataset_version_id,
    datasetSlug: row.slug,
    filename: row.filename,
    mediaType: row.media_type,
    size: Number(row.size),
    sha256: row.sha256,
    storageKey: row.storage_key,
    publishedAt: row.published_at,
    licence: row.licence_id ? { id: row.licence_id, traceable: Boolean(row.traceable) } : null,
  };
}

/**
 * THE place where downloads of data under a traceable licence ("licence engagée") require
 * an identified reuser (a signed-in account or a credential: app/domain/usage/traceable).
 * Returns the refusal to send, or what to do once the bytes go out (log the download; a
 * no-op for open licences).
 */
export async function checkTraceableAccess(
  context: AppLoadContext,
  request: Request,
  target: DownloadTarget,
): Promise<{ refusal: Response } | { logDownload: () => Promise<void> }> {
  const who = await identifyReuser(context, request, target);
  if ('refusal' in who) return who;
  const reuser = who.reuser;
  return { logDownload: async () => (reuser ? logTraceableDownload(context.db, target, reuser) : undefined) };
}

/** Counts the download once per client (keyed hash of address and user agent) and day. */
export async function countDownload(db: DB, target: DownloadTarget, client: { ip: string; userAgent: string; secret: string }): Promise<boolean> {
  const day = new Date().toISOString().slice(0, 10);
  const clientHash = createHash('sha256').update(`${client.secret}\u0000${day}\u0000${client.ip}\u0000${client.userAgent}`).digest('base64url');
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('download_day')
      .values({ distribution_id: target.distributionId, day, client_hash: clientHash })
      .onConflict((oc) => oc.doNothing())
      .returning('day')
      .executeTakeFirst();
    if (!inserted) return false;
    await trx.updateTable('distribution').set({ download_count: sql`download_count + 1` }).where('id', '=', target.distributionId).execute();
    await trx.updateTable('dataset').set({ download_count: sql`download_count + 1` }).where('id', '=', target.datasetId).execute();
    // Usage over time for publishers (app/domain/usage).
    await trx
      .insertInto('dataset_download_day')
      .values({ dataset_id: target.datasetId, day, downloads: 1 })
      .onConflict((oc) => oc.columns(['dataset_id', 'day']).doUpdateSet({ downloads: sql`dataset_download_day.downloads + 1` }))
      .execute();
    // Yesterday's rows are still needed across midnight; older ones are not.
    if (Math.random() < 0.02) await trx.deleteFrom('download_day').where('day', '<', sql<Date>`current_date - 1`).execute();
    return true;
  });
}

/** Types a browser could run or render as a page are served as plain bytes. */
export function safeMediaType(mediaType: string): string {
  const t = (mediaType.toLowerCase().split(';')[0] ?? '').trim();
  if (/html|xml|svg|javascript|ecmascript|xhtml/.test(t) && t !== 'application/geo+json') return 'application/octet-stream';
  if (t.startsWith('text/')) return `${t}; charset=utf-8`;
  return t || 'application/octet-stream';
}

export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export type ByteRange = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * One byte range from a Range header (RFC 9110 §14): null when absent, malformed or
 * multiple (the whole file is then sent), 'unsatisfiable' when it starts past the end.
 */
export function parseRange(header: string | null, size: number): ByteRange {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix)) return null;
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Math.max(size - 1, start) : Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

const httpDate = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000).toUTCString();

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function tombstoneResponse(t: RetractedDownload, lang: 'fr' | 'en'): Response {
  const text =
    lang === 'en'
      ? { h: 'This data was withdrawn', when: 'Withdrawn on', why: 'Reason', back: 'Dataset page' }
      : { h: 'Ces données ont été retirées', when: 'Retirées le', why: 'Motif', back: 'Page du jeu de données' };
  const body = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(text.h)}</title></head><body><main><h1>${escapeHtml(text.h)}</h1><p><strong>${escapeHtml(t.title)}</strong></p><p>${text.when} ${t.retractedAt.toISOString().slice(0, 10)}</p><p>${text.why} : ${escapeHtml(t.reason)}</p><p><a href="/datasets/${encodeURIComponent(t.datasetSlug)}">${text.back}</a></p></main></body></html>`;
  return new Response(body, { status: 410, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' } });
}

/** The HTTP answer for a download request (GET or HEAD) of an available file. */
export async function downloadResponse(
  request: Request,
  target: DownloadTarget,
  storage: ObjectStorage,
  count: () => Promise<unknown>,
): Promise<Response> {
  const info = await storage.stat(target.storageKey).catch(() => null);
  if (!info) return new Response('File unavailable', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '60' } });
  const size = info.size;
  const etag = `"${target.sha256}"`;
  const lastModified = httpDate(target.publishedAt);
  const headers = new Headers({
    'Content-Type': safeMediaType(target.mediaType),
    'Content-Disposition': contentDisposition(target.filename),
    'Content-Security-Policy': "default-src 'none'; sandbox",
    ETag: etag,
    'Last-Modified': lastModified,
    'Accept-Ranges': 'bytes',
    // Bytes never change under a key, but a retraction must be seen: revalidate (cheap, 304).
    'Cache-Control': 'public, no-cache',
  });

  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = request.headers.get('if-modified-since');
  if (ifNoneMatch ? etagMatches(ifNoneMatch, etag) : ifModifiedSince && Date.parse(ifModifiedSince) >= Date.parse(lastModified)) {
    headers.delete('Content-Type');
    headers.delete('Content-Disposition');
    return new Response(null, { status: 304, headers });
  }

  let range = parseRange(request.headers.get('range'), size);
  const ifRange = request.headers.get('if-range');
  if (range && ifRange && !(ifRange.trim() === etag || (!ifRange.trim().startsWith('"') && !ifRange.trim().startsWith('W/') && ifRange.trim() === lastModified))) {
    range = null; // the client's copy is not this one: send it whole
  }
  if (range === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${size}`);
    headers.set('Content-Type', 'text/plain; charset=utf-8');
    headers.delete('Content-Disposition');
    return new Response('Range Not Satisfiable', { status: 416, headers });
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : size - 1;
  const length = size === 0 ? 0 : end - start + 1;
  headers.set('Content-Length', String(length));
  if (range) headers.set('Content-Range', `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (request.method === 'HEAD') return new Response(null, { status, headers });
  await count();
  const body = length === 0 ? null : createReadableStreamFromReadable(await storage.get(target.storageKey, { start, end }));
  return new Response(body, { status, headers });
}
