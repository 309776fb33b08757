// One structured logger (pino) for the server, the worker and the jobs.
import { pino } from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  redact: ['req.headers.cookie', 'req.headers.authorization', '*.password', '*.token'],
});
export type Logger = typeof logger;
