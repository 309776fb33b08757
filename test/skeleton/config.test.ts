import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config';
import { spawnNode } from '../support/process';

describe('configuration', () => {
  it('has defaults that run the embedded database on port 3000', () => {
    const c = parseConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.WORKER).toBe('on');
    expect(c.SHUTDOWN_TIMEOUT_MS).toBe(10_000);
  });

  it('names the variable of a bad value', () => {
    expect(() => parseConfig({ PORT: 'abc' })).toThrow(ConfigError);
    expect(() => parseConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => parseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(() => parseConfig({ WORKER: 'maybe' })).toThrow(/WORKER/);
  });

  it('refuses to start with PORT=abc, saying which variable is wrong, before touching anything', async () => {
    const child = spawnNode('server/start.ts', { PORT: 'abc', DATABASE_URL: '', DATA_DIR: '/nonexistent/never-created' });
    const code = await child.exited;
    expect(code).toBe(1);
    expect(child.output()).toMatch(/Invalid configuration:\n\s+PORT: .*"abc"/);
  });
});
