// The rules of uploads that the browser and the server share: purposes, the file types
// each accepts, and the shape of an upload as the API shows it.
import { z } from 'zod';

export const uploadPurposes = ['dataset', 'photo'] as const;
export type UploadPurpose = (typeof uploadPurposes)[number];
export const isUploadPurpose = (v: unknown): v is UploadPurpose =>
  uploadPurposes.includes(v as UploadPurpose);

export const uploadStatuses = ['uploading', 'complete', 'verified', 'invalid'] as const;
export type UploadStatus = (typeof uploadStatuses)[number];

/** File extensions each purpose accepts (lower case, without the dot). */
export const purposeExtensions: Record<UploadPurpose, readonly string[]> = {
  dataset: ['csv', 'tsv', 'txt', 'json', 'geojson', 'xlsx', 'ods', 'zip', 'parquet', 'pdf'],
  photo: ['jpg', 'jpeg', 'png', 'webp'],
};

export interface UploadLimits {
  maxBytes: Record<UploadPurpose, number>;
  /** Declared bytes of one user's unfinished uploads, together. */
  quotaBytes: number;
  /** Unfinished uploads expire this long after their last accepted PATCH. */
  expiryMs: number;
}

export const fileExtension = (filename: string): string => {
  const m = /\.([A-Za-z0-9]+)$/.exec(filename.trim());
  return m ? m[1]!.toLowerCase() : '';
};

/** The tus metadata the client sends at creation (Upload-Metadata). */
export const uploadMetadataSchema = z.object({
  purpose: z.string().optional(),
  filename: z.string().max(255).optional(),
  name: z.string().max(255).optional(),
  filetype: z.string().max(255).optional(),
  type: z.string().max(255).optional(),
});

/** One upload as `/api/v1/uploads` returns it. */
export const uploadViewSchema = z.object({
  id: z.string(),
  purpose: z.enum(uploadPurposes),
  filename: z.string(),
  declaredSize: z.number(),
  offset: z.number(),
  status: z.enum(uploadStatuses),
  sha256: z.string().nullable(),
  detectedFormat: z.string().nullable(),
  /** Why an invalid upload was refused, in both languages. */
  problems: z.array(z.object({ code: z.string(), fr: z.string(), en: z.string() })),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
export type UploadView = z.infer<typeof uploadViewSchema>;

/** A byte count for people: binary units when the number is a power-of-1024 multiple (10 GiB), decimal otherwise (15 MB). */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  // Binary multiples when the number is one (10 GiB), decimal otherwise (15 MB).
  const base = n % 1024 === 0 && n >= 1024 ? 1024 : 1000;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const unit = base === 1024 && i > 0 ? units[i]!.replace('B', 'iB') : units[i]!;
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}
