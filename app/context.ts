// What the Express server hands every loader and action (Remix load context).
import type { DB } from '#db/client';

export interface PublicConfig {
  production: boolean;
  publicUrl: string | undefined;
  uploadsDir: string;
  dataDir: string;
  smtpConfigured: boolean;
  mailFrom: string;
  sessionSecret: string;
}

export interface AppContext {
  db: DB;
  config: PublicConfig;
  cspNonce: string;
  /** The client's address as Express saw it (after trusted proxies). */
  clientIp: string;
  /** Tells the server that PostgreSQL is unreachable (it then answers 503 until it is back). */
  reportDatabaseUnavailable?: (error: unknown) => void;
}

declare module '@remix-run/server-runtime' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
