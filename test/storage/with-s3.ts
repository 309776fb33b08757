// Runs a command (the fault tests) with an S3-compatible test server on 127.0.0.1 for its
// whole duration: `tsx test/storage/with-s3.ts vitest run --config vitest.faults.config.ts …`.
// The command gets FAULTS_STORAGE=s3 and FAULTS_S3_ENV (the settings that point an instance
// at the server), which test/faults/support.ts storageEnv() hands every instance it starts.
import { spawn } from 'node:child_process';
import { startTestS3 } from './s3-server';

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: tsx test/storage/with-s3.ts <command> [args…]');
  process.exit(2);
}
const s3 = await startTestS3();
console.log(`S3 test server on ${s3.endpoint} (${s3.directory})`);
const child = spawn(cmd, args, {
  stdio: 'inherit',
  shell: false,
  env: { ...process.env, FAULTS_STORAGE: 's3', FAULTS_S3_ENV: JSON.stringify(s3.env) },
});
const code = await new Promise<number>((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await s3.close();
process.exit(code);
