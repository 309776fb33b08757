// npm run db:migrate: migrates the database named by DATABASE_URL (or the embedded one).
import { parseConfig } from '../server/config';
import { openDatabase } from '../server/database';

const config = parseConfig();
const handle = await openDatabase(config, (m) => console.error(m));
console.log(`migrations applied: ${handle.migrated.join(', ') || 'none (already current)'}`);
await handle.close();
