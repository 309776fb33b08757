// The reputation area in the personal-data registry: a user's export includes their ledger
// chain and standing, and the flags that name them. Erasure leaves the chain untouched: it
// holds no personal data (an opaque id, codes and numbers), and rewriting it would break
// everyone's verification. The pages then show "compte supprimé" for the subject.
import { registerPersonalData } from '../identity/personal-data.server';
import { getStanding, streamSubjectEntries } from './reputation.server';

registerPersonalData({
  name: 'reputation',
  table: 'reputation_entry',
  export: async (db, userId) => {
    const subject = { type: 'user' as const, id: userId };
    const entries = [];
    for await (const e of streamSubjectEntries(db, subject)) entries.push(e);
    const standing = await getStanding(db, subject);
    const flags = await db
      .selectFrom('reputation_flag')
      .select(['id', 'kind', 'confirmations', 'window_start', 'window_end', 'created_at', 'resolved_at', 'resolution'])
      .where((eb) => eb.or([eb('user_a', '=', userId), eb('user_b', '=', userId)]))
      .execute();
    return { balance: standing.balance, privileges: standing.privileges.held, entries, flags };
  },
  erase: async () => {},
});
