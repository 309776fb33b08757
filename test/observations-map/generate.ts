// Published observations generated in SQL (one INSERT … SELECT generate_series per table),
// spread across the communes of the Métropole (a random point in each commune's bounding
// box), categories, two years of dates, 30 % resolved. Used by the map tests and
// `npm run bench:map`. The cell counts are rebuilt once at the end (the row trigger is
// switched off during the bulk load, as an operator would do for an import).
import { sql } from 'kysely';
import type { DB } from '../../db/client';

export interface GenerateOptions {
  count: number;
  /** Restrict to these categories (default: all). */
  categories?: string[];
  /** Restrict to these communes (INSEE codes; default: all). */
  communes?: string[];
  seed?: number;
}

export async function generatePublishedObservations(db: DB, opts: GenerateOptions): Promise<void> {
  const author = await db
    .insertInto('users')
    .values({ email: `generator-${Date.now()}-${Math.random().toString(36).slice(2)}@example.test`, pseudonym: 'Générateur', is_demo: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`select setseed(${(opts.seed ?? 42) / 1000})`.execute(db);
  await sql`drop table if exists gen_observation`.execute(db);
  await sql`create unlogged table gen_observation as
    with c as (
      select code, bbox, row_number() over (order by code) - 1 as k, count(*) over () as m
      from territory where kind = 'commune' and bbox is not null
        and (${opts.communes ?? null}::text[] is null or code = any(${opts.communes ?? null}::text[]))
    ), k as (
      select array_agg(code order by position, code) as codes from observation_category
      where ${opts.categories ?? null}::text[] is null or code = any(${opts.categories ?? null}::text[])
    )
    select gen_random_uuid() as id, c.code as commune_code,
      c.bbox[1] + random() * (c.bbox[3] - c.bbox[1]) as lon,
      c.bbox[2] + random() * (c.bbox[4] - c.bbox[2]) as lat,
      k.codes[1 + floor(random() * array_length(k.codes, 1))::int] as category,
      now() - random() * interval '730 days' as observed_at,
      random() < 0.3 as resolved
    from generate_series(0, ${opts.count - 1}) i
    join c on c.k = i % c.m
    cross join k`.execute(db);
  await sql`insert into contribution (id, kind, submitter_id, title, communes, themes, state, submitted_at, approved_at)
    select id, 'observation', ${author.id}, category || ' — ' || commune_code, array[commune_code], array[category],
           'published', observed_at, observed_at from gen_observation`.execute(db);
  await sql`alter table observation disable trigger observation_cell_sync`.execute(db);
  try {
    await sql`insert into observation (id, lon, lat, commune_code, category, description, observed_at, published_at, resolved_at, listed)
      select id, lon, lat, commune_code, category, 'Observation générée n° ' || left(id::text, 8), observed_at, observed_at,
             case when resolved then observed_at + interval '3 days' end, true
      from gen_observation`.execute(db);
  } finally {
    await sql`alter table observation enable trigger observation_cell_sync`.execute(db);
  }
  await sql`drop table gen_observation`.execute(db);
  await sql`select rebuild_observation_cells()`.execute(db);
  // Vacuum sets the visibility map, so the covering indexes serve index-only scans (autovacuum does it in production).
  await sql`vacuum analyze observation`.execute(db);
  await sql`vacuum analyze observation_cell_all, observation_cell, observation_cell_month, observation_cell_month_all, observation_cell_day_all`.execute(db);
}
