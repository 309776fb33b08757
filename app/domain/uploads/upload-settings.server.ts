// The upload settings the pages need (limits, chunk size). The tus mount publishes them when
// the server starts; the Remix build is a separate bundle with its own copy of this module,
// so they are kept on globalThis under a registered symbol rather than in a module variable.
import { purposeExtensions } from './uploads.schema';
import type { UploadLimits, UploadPurpose } from './uploads.schema';

export interface UploadSettings {
  endpoint: string;
  chunkBytes: number;
  maxBytes: Record<UploadPurpose, number>;
  quotaBytes: number;
  expiryHours: number;
  extensions: Record<UploadPurpose, readonly string[]>;
}

const KEY = Symbol.for('terridata.uploadSettings');
const MiB = 1024 * 1024;

const defaults: UploadSettings = {
  endpoint: '/uploads/files',
  chunkBytes: 50 * MiB,
  maxBytes: { dataset: 10 * 1024 * MiB, photo: 15_000_000 },
  quotaBytes: 20 * 1024 * MiB,
  expiryHours: 24,
  extensions: purposeExtensions,
};

export function publishUploadSettings(s: {
  endpoint: string;
  chunkBytes: number;
  limits: UploadLimits;
}): void {
  (globalThis as Record<symbol, unknown>)[KEY] = {
    endpoint: s.endpoint,
    // Never more than 50 MiB per PATCH: a proxy's body limit or a restart costs one chunk at most.
    chunkBytes: Math.min(s.chunkBytes, 50 * MiB),
    maxBytes: s.limits.maxBytes,
    quotaBytes: s.limits.quotaBytes,
    expiryHours: s.limits.expiryMs / 3_600_000,
    extensions: purposeExtensions,
  } satisfies UploadSettings;
}

export function getUploadSettings(): UploadSettings {
  return ((globalThis as Record<symbol, unknown>)[KEY] as UploadSettings | undefined) ?? defaults;
}
