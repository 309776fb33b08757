// `npm run worker`: the job worker alone, without the web server (for scaling out).
import { ConfigError, parseConfig } from './config';
import { openDatabase } from './database';
import { buildTaskList, crontab } from './jobs/index';
import { logger } from './logger';
import { storageOf, verifyStorageAtStart } from './storage';
import { startWorker } from './worker';

let config;
try {
  config = parseConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
logger.level = config.LOG_LEVEL;
const database = await openDatabase(config, (m) => logger.info(m));
await verifyStorageAtStart(storageOf(config, database.db), logger);
const worker = await startWorker({
  db: database.db,
  pool: database.pool,
  databaseUrl: database.url,
  taskList: buildTaskList({ db: database.db, config, logger }),
  concurrency: config.WORKER_CONCURRENCY,
  sweepIntervalMs: config.WORKER_SWEEP_INTERVAL_MS,
  logger,
  crontab,
});
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
