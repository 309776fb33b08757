// Small clients of the tus endpoint for the upload tests: raw requests (fetch) to probe the
// protocol's edges, and tus-js-client for whole uploads as a real client makes them.
import { utimesSync } from 'node:fs';
import path from 'node:path';
import * as tus from 'tus-js-client';

export const TUS_PATH = '/uploads/files';

export function encodeMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

export interface RawOptions {
  cookie?: string;
  origin: string;
  headers?: Record<string, string>;
}

const baseHeaders = (o: RawOptions): Record<string, string> => ({
  'Tus-Resumable': '1.0.0',
  Origin: o.origin,
  ...(o.cookie ? { Cookie: o.cookie } : {}),
  ...o.headers,
});

/** POST: creates an upload; returns the response and the absolute upload URL if any. */
export async function createUpload(
  base: string,
  o: RawOptions & { length: number; metadata?: Record<string, string> },
): Promise<{ res: Response; body: string; url: string | null }> {
  const res = await fetch(`${base}${TUS_PATH}`, {
    method: 'POST',
    headers: {
      ...baseHeaders(o),
      'Upload-Length': String(o.length),
      ...(o.metadata ? { 'Upload-Metadata': encodeMetadata(o.metadata) } : {}),
    },
  });
  const location = res.headers.get('location');
  return { res, body: await res.text(), url: location ? new URL(location, base).toString() : null };
}

export async function patchUpload(
  url: string,
  o: RawOptions & { offset: number; body: Uint8Array | ReadableStream<Uint8Array> },
): Promise<{ res: Response; body: string }> {
  const streamed = !(o.body instanceof Uint8Array);
  const res = await fetch(url, {
    method: 'PATCH',
    headers: {
      ...baseHeaders(o),
      'Upload-Offset': String(o.offset),
      'Content-Type': 'application/offset+octet-stream',
    },
    body: o.body,
    ...(streamed ? { duplex: 'half' } : {}),
  } as RequestInit);
  return { res, body: await res.text() };
}

export async function headUpload(url: string, o: RawOptions): Promise<Response> {
  return fetch(url, { method: 'HEAD', headers: baseHeaders(o) });
}

export interface TusResult {
  url: string | null;
  error: tus.DetailedError | Error | null;
  patchOffsets: number[];
}

/** A whole upload with tus-js-client (Node), resolved on success or error (no retries). */
export function tusUpload(
  base: string,
  data: Buffer,
  o: {
    cookie?: string;
    metadata: Record<string, string>;
    chunkSize?: number;
    uploadUrl?: string;
    onChunkComplete?: (chunk: number, accepted: number, upload: tus.Upload) => void;
  },
): Promise<TusResult> {
  const patchOffsets: number[] = [];
  return new Promise((resolve) => {
    const upload: tus.Upload = new tus.Upload(data, {
      endpoint: `${base}${TUS_PATH}`,
      uploadUrl: o.uploadUrl ?? null,
      metadata: o.metadata,
      chunkSize: o.chunkSize ?? Infinity,
      retryDelays: null,
      headers: { Origin: base, ...(o.cookie ? { Cookie: o.cookie } : {}) },
      onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH') patchOffsets.push(Number(req.getHeader('Upload-Offset')));
      },
      onChunkComplete: (chunk, accepted) => o.onChunkComplete?.(chunk, accepted, upload),
      onSuccess: () => resolve({ url: upload.url, error: null, patchOffsets }),
      onError: (error) => resolve({ url: upload.url, error, patchOffsets }),
    });
    upload.start();
  });
}

export const statusOf = (e: unknown): number | undefined =>
  (e as tus.DetailedError | null)?.originalResponse?.getStatus?.();

/**
 * `npm start` rebuilds when app/ is newer than the build. Tests and benchmarks that spawn it
 * use the build as it is: its mtime is set an hour ahead, so that a source file saved while
 * the server starts does not set off a rebuild (which a test's timeout could cut short).
 */
export function keepBuildAsIs(buildDir: string): void {
  const ahead = new Date(Date.now() + 3_600_000);
  utimesSync(path.join(buildDir, 'server/index.js'), ahead, ahead);
}
