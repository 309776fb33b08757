// The observations area in the personal-data registry: a user's export includes the
// observations they reported (with where and when) and those they confirmed. Erasure
// leaves published observations in place, as contributions under the catalogue's licence
// (like datasets): they name the author only by pseudonym, which the account deletion
// replaces; photos were stripped of their metadata before anyone saw them.
import { registerPersonalData } from '../identity/personal-data.server';

registerPersonalData({
  name: 'observations',
  table: 'observation',
  export: async (db, userId) => {
    const reported = await db
      .selectFrom('observation as o')
      .innerJoin('contribution as c', 'c.id', 'o.id')
      .select(['o.id', 'c.state', 'o.lon', 'o.lat', 'o.commune_code', 'o.category', 'o.description', 'o.observed_at', 'o.grade', 'o.resolved_at', 'c.submitted_at'])
      .where('c.submitter_id', '=', userId)
      .orderBy('c.created_at')
      .execute();
    const confirmed = await db
      .selectFrom('confirmation')
      .select(['observation_id', 'weight', 'created_at'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return { reported, confirmed };
  },
  erase: async () => {},
});
