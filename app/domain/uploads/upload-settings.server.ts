// The upload settings the pages need (limits, chunk size), from the server's configuration.
// They travel in the Remix load context: the Remix build is a separate bundle from the
// server's code, so a module variable set by the server would not be seen by the routes.
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

const MiB = 1024 * 1024;

/** The settings the server's configuration gives (server/app.ts puts them in the load context). */
export function uploadSettingsFor(s: { endpoint: string; chunkBytes: number; limits: UploadLimits }): UploadSettings {
  return {
    endpoint: s.endpoint,
    // Never more than 50 MiB per PATCH: a proxy's body limit or a restart costs one chunk at most.
    chunkBytes: Math.min(s.chunkBytes, 50 * MiB),
    maxBytes: s.limits.maxBytes,
    quotaBytes: s.limits.quotaBytes,
    expiryHours: s.limits.expiryMs / 3_600_000,
    extensions: purposeExtensions,
  };
}

export function getUploadSettings(context: { uploadSettings: UploadSettings }): UploadSettings {
  return context.uploadSettings;
}
