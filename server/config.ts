// Configuration from the environment, parsed once at start; a bad value stops the start
// with a message naming the variable.
import path from 'node:path';
import { z } from 'zod';

const flag = z
  .enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no', ''])
  .transform((v) => ['1', 'true', 'on', 'yes'].includes(v));

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

export const configSchema = z.object({
  NODE_ENV: z.enum(['production', 'development', 'test']).default('production'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SEED_DEMO: flag.optional(),
  WORKER: z.enum(['on', 'off']).default('on'),
  WORKER_CONCURRENCY: int(2, 1),
  WORKER_SWEEP_INTERVAL_MS: int(30_000, 100),
  SHUTDOWN_TIMEOUT_MS: int(10_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  UPLOADS_DIR: z.string().min(1).default('uploads'),
  // Where bytes live (docs/decisions/012-storage-drivers.md): UPLOADS_DIR, or an S3-compatible store.
  STORAGE_DRIVER: z.enum(['directory', 's3']).default('directory'),
  S3_ENDPOINT: z.url().optional(),
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: flag.default(false),
  S3_PART_BYTES: z.coerce.number().int().min(5 * 1024 * 1024).max(5 * 1024 ** 3).default(8 * 1024 * 1024),
  // Uploads (tus): limits checked when an upload is created, before any byte is stored.
  UPLOAD_DATASET_MAX_BYTES: int(10 * 1024 ** 3, 1),
  UPLOAD_PHOTO_MAX_BYTES: int(15 * 1000 ** 2, 1),
  UPLOAD_QUOTA_BYTES: int(20 * 1024 ** 3, 1),
  UPLOAD_EXPIRY_HOURS: z.coerce.number().positive().default(24),
  // Size of each PATCH the browser widget sends: what a proxy's body limit or a restart can cost.
  UPLOAD_CHUNK_BYTES: z.coerce.number().int().min(256 * 1024).max(50 * 1024 * 1024).default(50 * 1024 * 1024),
  UPLOAD_LOCKER: z.enum(['postgres', 'memory']).default('postgres'),
  UPLOAD_BENCH_BASELINE: flag.default(false),
  // Writes to the storage directory are refused (507) when less than this is free under it; 0 turns the guard off.
  STORAGE_MIN_FREE_BYTES: int(1024 ** 3),
  // When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // Backups (npm run backup / restore): where pg_dump and pg_restore of the server's major version are.
  PG_BIN_DIR: z.string().min(1).optional(),
  // Moderation queue: working days (weekends and French public holidays excluded) before an item is overdue.
  MODERATION_OVERDUE_DAYS: z.coerce.number().int().min(1).max(99).default(3),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().min(3).default('terridata <ne-pas-repondre@terridata.localhost>'),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string; uploadsDir: string };

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as in most process managers.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema
    .superRefine((c, ctx) => {
      if (c.STORAGE_DRIVER !== 's3') return;
      for (const name of ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const)
        if (!c[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'required when STORAGE_DRIVER=s3' });
    })
    .safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(cleaned[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const c = result.data;
  return { ...c, dataDir: path.resolve(c.DATA_DIR), uploadsDir: path.resolve(c.UPLOADS_DIR) };
}
