// `npm run inspect -- FILE [--name DECLARED_NAME]`: prints the validation report of a local file as JSON.
import { inspectFile } from '../app/domain/validation/inspect.server';

const args = process.argv.slice(2);
const nameAt = args.indexOf('--name');
const declaredName = nameAt >= 0 ? args[nameAt + 1] : undefined;
const file = args.find((a, i) => !a.startsWith('--') && (nameAt < 0 || i !== nameAt + 1));
if (file === undefined) {
  console.error('usage: npm run inspect -- FILE [--name DECLARED_NAME]');
  process.exit(2);
}
const report = await inspectFile(file, { declaredName });
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exitCode = report.verdict === 'verified' ? 0 : 1;
