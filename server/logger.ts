// One structured logger (pino) for the server, the worker and the jobs.
import { pino } from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  // Secrets never reach the logs: cookies, Authorization headers (credentials), query
  // strings (a credential put in a URL is refused, and its URL never logged), secrets.
  redact: [
    'req.headers.cookie',
    'req.headers.authorization',
    'headers.cookie',
    'headers.authorization',
    '*.headers.cookie',
    '*.headers.authorization',
    'authorization',
    '*.authorization',
    'req.query',
    'query',
    '*.query',
    '*.password',
    '*.token',
    'token',
    '*.secret',
    'secret',
  ],
});
export type Logger = typeof logger;
