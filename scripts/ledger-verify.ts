// npm run ledger:verify [-- --checkpoint FILE] [--json] [--no-record]
// Walks every chain of the reputation ledger (streaming), recomputes every hash and
// balance, optionally compares with a checkpoint file kept elsewhere, records the result
// for the admins' page, and exits 1 when anything is wrong (2 when it could not run).
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, withDatabase } from '../db/client';
import type { DB } from '../db/client';
import { parseConfig } from '../server/config';
import { openDatabase } from '../server/database';
import { readCheckpointFile, recordVerification, verifyLedger } from '../app/domain/reputation/verify.server';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    json: { type: 'boolean', default: false },
    'no-record': { type: 'boolean', default: false },
  },
});

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => {
      s.end();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

/** The configured database; a running embedded server is joined, never restarted. */
async function connect(): Promise<{ db: DB; close(): Promise<void> }> {
  const config = parseConfig();
  const portFile = path.join(config.dataDir, 'pg-port');
  if (!config.DATABASE_URL && existsSync(portFile)) {
    const port = Number(readFileSync(portFile, 'utf8'));
    if (await portInUse(port)) {
      const { db } = createDb(withDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, 'terridata'), 2);
      return { db, close: () => db.destroy() };
    }
  }
  const handle = await openDatabase(config, (m) => console.error(m));
  return { db: handle.db, close: () => handle.close() };
}

try {
  const checkpoint = values.checkpoint ? await readCheckpointFile(values.checkpoint) : null;
  const { db, close } = await connect();
  try {
    const report = await verifyLedger(db, { checkpoint });
    if (!values['no-record']) await recordVerification(db, report, 'cli');
    const seconds = ((report.finishedAt.getTime() - report.startedAt.getTime()) / 1000).toFixed(1);
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`ledger: ${report.entries} entries in ${report.subjects} chains checked in ${seconds} s`);
      if (report.checkpoint) console.log(`checkpoint of ${report.checkpoint.createdAt} (${report.checkpoint.heads} heads, digest ${report.checkpoint.digest})`);
      for (const p of report.problems) console.log(`BROKEN [${p.kind}] ${p.message}`);
      if (report.problemCount > report.problems.length) console.log(`… and ${report.problemCount - report.problems.length} more problems`);
      console.log(report.ok ? 'OK: every chain, balance and head verifies' : `FAILED: ${report.problemCount} problem(s)`);
    }
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await close();
  }
} catch (e) {
  console.error(`ledger:verify could not run: ${(e as Error).message}`);
  process.exitCode = 2;
}
