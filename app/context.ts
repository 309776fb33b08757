// What the Express server hands every loader and action (Remix load context).
import type { DB } from '#db/client';
import type { UploadSettings } from './domain/uploads/upload-settings.server';
import type { ObjectStorage } from './domain/storage/storage.server';

export interface PublicConfig {
  production: boolean;
  publicUrl: string | undefined;
  uploadsDir: string;
  dataDir: string;
  smtpConfigured: boolean;
  mailFrom: string;
  sessionSecret: string;
  /** Working days after which a moderation queue item is overdue (MODERATION_OVERDUE_DAYS; 3 if absent). */
  moderationOverdueDays?: number;
}

export interface AppContext {
  db: DB;
  /** Where bytes live (uploads, published files, photos): the configured driver. */
  storage: ObjectStorage;
  config: PublicConfig;
  cspNonce: string;
  /** The client's address as Express saw it (after trusted proxies). */
  clientIp: string;
  /** Upload limits and chunk size, from the server's configuration (pages with the upload widget). */
  uploadSettings: UploadSettings;
  /** Tells the server that PostgreSQL is unreachable (it then answers 503 until it is back). */
  reportDatabaseUnavailable?: (error: unknown) => void;
}

declare module '@remix-run/server-runtime' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
