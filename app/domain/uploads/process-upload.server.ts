// The checks of a completed upload, in ONE pass over its bytes: sha256, size, the real
// format from the magic numbers (against the extension), and the content validation of
// app/domain/validation fed from the same chunks. Sets the upload verified or invalid and
// keeps the report. Safe to run twice: a processed upload is left as it is.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import type { ObjectStorage } from '../storage/storage.server';
import { createInspector as createValidationInspector } from '../validation/inspect.server';
import {
  HEAD_BYTES,
  TAIL_BYTES,
  formatMatchesExtension,
  sniffFormat,
  type SniffedFormat,
} from '../validation/detect-format';
import { fileExtension } from './uploads.schema';

export interface ReportReason {
  code: string;
  fr: string;
  en: string;
  [detail: string]: unknown;
}

/**
 * The deeper content validation (next issue: app/domain/validation). It receives every chunk
 * of the same pass and returns its own verdict and report.
 */
export interface ContentInspector {
  write(chunk: Uint8Array): void;
  finish(): Promise<ContentVerdict> | ContentVerdict;
}
export interface ContentVerdict {
  verdict: 'verified' | 'invalid';
  reasons: ReportReason[];
  warnings?: ReportReason[];
  /** The validation library's full report, kept as it is. */
  report?: unknown;
}
export type ContentInspectorFactory = (file: {
  name: string;
  extension: string;
  size: number;
  purpose: string;
  path: string;
}) => ContentInspector | null;

/**
 * The content validation of datasets: app/domain/validation's streaming inspector (CSV, JSON,
 * GeoJSON, spreadsheets, archives, Parquet, PDF), fed the chunks of this pass; for formats
 * whose directory comes last it also reads the stored file (bounded reads). Photos have no
 * content validation yet (their re-encoding is a later step).
 */
export const validationInspector: ContentInspectorFactory = (file) => {
  if (file.purpose !== 'dataset') return null;
  const inspector = createValidationInspector({ filename: file.name, filePath: file.path });
  return {
    write: (chunk) => inspector.write(chunk),
    async finish() {
      const report = await inspector.finish();
      return {
        verdict: report.verdict,
        reasons: report.reasons,
        warnings: report.warnings,
        report,
      };
    },
  };
};

export interface UploadCheckReport {
  file: {
    name: string;
    sizeBytes: number;
    extension: string | null;
    detectedFormat: SniffedFormat;
    sha256: string;
  };
  verdict: 'verified' | 'invalid';
  reasons: ReportReason[];
  warnings: ReportReason[];
  /** The content validation's report, when one ran. */
  validation?: unknown;
}

export type ProcessOutcome =
  'verified' | 'invalid' | 'already-processed' | 'not-complete' | 'missing';

const FORMAT_LABEL: Record<SniffedFormat, string> = {
  empty: 'vide / empty',
  text: 'texte / text',
  json: 'JSON',
  zip: 'ZIP',
  xlsx: 'XLSX',
  ods: 'ODS',
  parquet: 'Parquet',
  pdf: 'PDF',
  png: 'PNG',
  jpeg: 'JPEG',
  webp: 'WebP',
  gif: 'GIF',
  gzip: 'gzip',
  ole2: 'OLE2 (xls/doc)',
  executable: 'programme / executable',
  binary: 'binaire / binary',
};

function formatReasons(
  format: SniffedFormat,
  extension: string,
  size: number,
  declared: number,
): ReportReason[] {
  const reasons: ReportReason[] = [];
  if (size !== declared) {
    reasons.push({
      code: 'upload.sizeMismatch',
      fr: `Le fichier reçu fait ${size} octets au lieu des ${declared} annoncés.`,
      en: `The file received is ${size} bytes instead of the ${declared} declared.`,
      size,
      declared,
    });
  }
  if (format === 'empty') {
    reasons.push({ code: 'upload.empty', fr: 'Le fichier est vide.', en: 'The file is empty.' });
  } else if (format === 'executable') {
    reasons.push({
      code: 'upload.executable',
      fr: `Le fichier « .${extension} » est en réalité un programme : il est refusé.`,
      en: `The “.${extension}” file is actually a program: it is refused.`,
      detectedFormat: format,
    });
  } else if (!formatMatchesExtension(format, extension)) {
    reasons.push({
      code: 'upload.formatMismatch',
      fr: `Le fichier porte l’extension « .${extension} » mais son contenu est au format ${FORMAT_LABEL[format]}.`,
      en: `The file has the “.${extension}” extension but its content is in ${FORMAT_LABEL[format]} format.`,
      extension,
      detectedFormat: format,
    });
  }
  return reasons;
}

export async function processUpload(
  db: DB,
  /** createInspector: the content validation; `null` for none (the format checks alone). */
  opts: { storage: ObjectStorage; createInspector?: ContentInspectorFactory | null },
  uploadId: string,
): Promise<ProcessOutcome> {
  const row = await db
    .selectFrom('upload')
    .selectAll()
    .where('id', '=', uploadId)
    .executeTakeFirst();
  if (!row) return 'missing';
  if (row.status === 'verified' || row.status === 'invalid') return 'already-processed';
  if (row.status !== 'complete') return 'not-complete';

  const extension = fileExtension(row.filename);
  const hash = createHash('sha256');
  const head = Buffer.alloc(HEAD_BYTES);
  let headLength = 0;
  // The last TAIL_BYTES, in a ring that is laid out straight at the end.
  const ring = Buffer.alloc(TAIL_BYTES);
  let size = 0;
  const factory = opts.createInspector === undefined ? validationInspector : opts.createInspector;
  // Formats whose directory comes last are read again, with bounded random reads, from a
  // file: the stored one on the directory driver, else a copy written during this same pass.
  const local = opts.storage.localPath(row.storage_key);
  const tmpDir =
    !local && factory ? await mkdtemp(path.join(os.tmpdir(), 'terridata-check-')) : null;
  const file = local ?? (tmpDir ? path.join(tmpDir, 'upload') : '');
  let copy: WriteStream | null = null;
  try {
    // The content validation reads the same chunks (no second pass over the file).
    const inspector =
      factory?.({
        name: row.filename,
        extension,
        size: row.declared_size,
        purpose: row.purpose,
        path: file,
      }) ?? null;
    if (tmpDir && inspector) copy = createWriteStream(file);

    const bytes = await opts.storage.get(row.storage_key);
    try {
      for await (const data of bytes) {
        const chunk = data as Buffer;
        if (copy && !copy.write(chunk)) await once(copy, 'drain');
        hash.update(chunk);
        if (headLength < HEAD_BYTES)
          headLength += chunk.copy(
            head,
            headLength,
            0,
            Math.min(chunk.length, HEAD_BYTES - headLength),
          );
        // Byte at file position p lives at ring[p % TAIL_BYTES].
        for (let off = Math.max(0, chunk.length - TAIL_BYTES); off < chunk.length;) {
          const pos = (size + off) % TAIL_BYTES;
          const n = Math.min(chunk.length - off, TAIL_BYTES - pos);
          chunk.copy(ring, pos, off, off + n);
          off += n;
        }
        inspector?.write(chunk);
        size += chunk.length;
      }
    } finally {
      bytes.destroy();
      if (copy) {
        copy.end();
        await once(copy, 'close');
      }
    }
    let tail: Buffer;
    if (size <= TAIL_BYTES) tail = ring.subarray(0, size);
    else {
      const start = size % TAIL_BYTES;
      tail = Buffer.concat([ring.subarray(start), ring.subarray(0, start)]);
    }
    const sha256 = hash.digest('hex');
    const format = sniffFormat(head.subarray(0, headLength), tail, size);

    const reasons = formatReasons(format, extension, size, row.declared_size);
    const warnings: ReportReason[] = [];
    let validation: unknown;
    // Content validation only for bytes that are what they claim to be.
    if (inspector && reasons.length === 0) {
      const v = await inspector.finish();
      reasons.push(...v.reasons);
      warnings.push(...(v.warnings ?? []));
      validation = v.report;
      if (v.verdict === 'invalid' && v.reasons.length === 0) {
        reasons.push({
          code: 'upload.contentInvalid',
          fr: 'Le contenu du fichier est invalide.',
          en: 'The content of the file is invalid.',
        });
      }
    }
    const verdict = reasons.length ? 'invalid' : 'verified';
    const report: UploadCheckReport = {
      file: {
        name: row.filename,
        sizeBytes: size,
        extension: extension || null,
        detectedFormat: format,
        sha256,
      },
      verdict,
      reasons,
      warnings,
      ...(validation !== undefined ? { validation } : {}),
    };
    const updated = await db
      .updateTable('upload')
      .set({
        status: verdict,
        sha256,
        size,
        detected_format: format,
        report: JSON.stringify(report),
        processed_at: sql`now()`,
      })
      .where('id', '=', uploadId)
      .where('status', '=', 'complete')
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1 ? verdict : 'already-processed';
  } finally {
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  }
}
