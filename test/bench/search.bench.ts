// `npm run bench:search`: catalogue search over 100 000 published datasets generated in SQL
// (realistic French titles, descriptions, keywords, themes, communes, licences, publishers
// of the three kinds, files in several formats, three years of updates), in a scratch
// database on TEST_DATABASE_URL's server or on an embedded cluster. Measures the server
// time of `searchDatasets` (the whole of what the /datasets loader does: results, facet
// counts, totals) for the query shapes of the issue, next to a baseline taken in the same
// run (a plain indexed lookup of a dataset by slug, and the newest page of the plain list),
// and appends the figures, the command and the plans of the slowest shape's queries to
// docs/benchmarks.md (BENCH_DOC=0 to skip).
// Sizes: BENCH_DATASETS (100000), BENCH_RUNS (200 per shape).
import { appendFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createDb, withDatabase } from '../../db/client';
import type { DB } from '../../db/client';
import type { Database } from '../../db/database';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrateToLatest } from '../../db/migrate';
import { seedReferenceLists } from '../../app/domain/contributions/reference.server';
import { loadTerritories } from '../../app/domain/territories/territories.server';
import { loadLabels, searchDatasets } from '../../app/domain/catalogue/search.server';
import { parseSearch } from '../../app/domain/catalogue/search-params';
import { listPublishedDatasets } from '../../app/domain/catalogue/catalogue.server';

const N = Number(process.env.BENCH_DATASETS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const SUBJECTS = [
  'Éclairage public', 'Stationnements vélo', 'Arbres d’alignement', 'Bornes de recharge électrique', 'Qualité de l’air',
  'Collecte des déchets ménagers', 'Fréquentation des piscines', 'Budget primitif', 'Équipements sportifs', 'Pistes cyclables',
  'Toilettes publiques', 'Consommation énergétique des bâtiments', 'Permis de construire', 'Marchés forains', 'Bibliothèques municipales',
  'Écoles maternelles et élémentaires', 'Parcs et jardins', 'Points d’apport volontaire du verre', 'Comptages routiers', 'Accidents corporels de la circulation',
  'Arrêts de bus et de tramway', 'Aires de jeux', 'Défibrillateurs', 'Fontaines à boire', 'Places de stationnement PMR',
  'Horaires des déchèteries', 'Subventions aux associations', 'Logements sociaux', 'Bruit routier', 'Îlots de chaleur',
  'Crèches et haltes-garderies', 'Musées et lieux culturels', 'Zones de rencontre', 'Travaux sur la voirie', 'Inventaire du patrimoine',
  'Réseau de chaleur urbain', 'Pollens', 'Vélos en libre-service', 'Plan local d’urbanisme', 'Consommation d’eau potable',
];
const YEARS = Array.from({ length: 11 }, (_, i) => String(2015 + i));
const SENTENCES = [
  'Ce jeu de données recense les équipements gérés par la collectivité.',
  'Les données sont mises à jour par les services techniques après chaque campagne de relevés.',
  'Chaque ligne correspond à un objet géolocalisé avec ses coordonnées en WGS 84.',
  'La précision de localisation est de l’ordre du mètre.',
  'Les valeurs manquantes sont indiquées par une cellule vide.',
  'Le fichier est produit à partir du système d’information géographique de la Métropole.',
  'Les montants sont exprimés en euros toutes taxes comprises.',
  'Les comptages sont réalisés par des capteurs automatiques.',
  'Les données personnelles ont été retirées avant publication.',
  'Une documentation détaillée des colonnes accompagne le fichier.',
  'Les relevés couvrent l’ensemble de la voirie communale et métropolitaine.',
  'La nomenclature suit le référentiel national publié par Etalab.',
];
const KEYWORDS = [
  'mobilité', 'vélo', 'énergie', 'environnement', 'budget', 'finances', 'déchets', 'eau', 'air', 'bruit', 'voirie', 'urbanisme',
  'culture', 'sport', 'enfance', 'santé', 'logement', 'patrimoine', 'transport', 'stationnement', 'arbres', 'éclairage', 'climat', 'tourisme',
];
const arr = (a: string[]) => sql.raw(`(array[${a.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[])`);

async function generate(db: DB): Promise<void> {
  await seedReferenceLists(db);
  await loadTerritories(db);
  const communes = (await db.selectFrom('territory').select('code').where('kind', '=', 'commune').execute()).map((c) => c.code);
  const user = await db
    .insertInto('users')
    .values({ email: 'bench@example.test', pseudonym: 'bench', email_verified_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sql`select setseed(0.42)`.execute(db);
  await sql`insert into organization (slug, name, kind, siren)
    select 'org-' || g, (array['Ville de ','Syndicat des eaux de ','Association des usagers de ','Société de transport de ','Comité de quartier de '])[1 + g % 5] || 'Commune ' || g,
      (array['public_body','public_body','association','business','association'])[1 + g % 5],
      case when g % 5 = 3 then lpad(g::text, 9, '7') else null end
    from generate_series(1, 300) g`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`create temp table gen on commit drop as
      select g, gen_random_uuid() as c, gen_random_uuid() as r, gen_random_uuid() as d, gen_random_uuid() as v,
        (select id from organization o where o.slug = 'org-' || (1 + (g * 7919) % 300)) as org,
        now() - make_interval(mins => (random() * 3 * 365 * 24 * 60)::int) as updated,
        jsonb_build_object(
          'title', ${arr(SUBJECTS)}[1 + (g % ${SUBJECTS.length})] || ' — ' || t.name || ' ' || ${arr(YEARS)}[1 + (g / 7) % 11],
          'description', ${arr(SENTENCES)}[1 + g % 12] || ' ' || ${arr(SENTENCES)}[1 + (g / 3) % 12] || ' ' || ${arr(SENTENCES)}[1 + (g / 11) % 12]
            || ' Territoire : ' || t.name || '.',
          'themes', jsonb_build_array((array['mobilite','environnement','urbanisme','energie','eau','economie','culture','social','education','citoyennete','proprete','tourisme'])[1 + g % 12])
            || case when g % 4 = 0 then jsonb_build_array((array['mobilite','environnement','energie','citoyennete'])[1 + g % 3]) else '[]'::jsonb end,
          'keywords', jsonb_build_array(${arr(KEYWORDS)}[1 + g % 24], ${arr(KEYWORDS)}[1 + (g / 5) % 24]),
          'communes', case when g % 20 = 0 then jsonb_build_array('200046977')
                           else jsonb_build_array(t.code) || case when g % 3 = 0 then jsonb_build_array(${arr(communes)}[1 + (g / 3) % ${communes.length}]) else '[]'::jsonb end end,
          'licence', (array['lo-2.0','lo-2.0','lo-2.0','odbl-1.0','cc-by-4.0','cc0-1.0','licence-engagee'])[1 + g % 7],
          'temporalStart', case when g % 3 = 0 then null else '2020-01-01' end,
          'updateFrequency', (array['annual','monthly','daily','irregular','punctual'])[1 + g % 5],
          'contactName', 'Service données', 'contactEmail', 'donnees@example.org', 'personalData', false
        ) as metadata,
        (array['csv','csv','csv','geojson','geojson','xlsx','json','pdf','csv','parquet'])[1 + (g / 13) % 10] as fmt
      from generate_series(1, ${N}) g
      join lateral (select code, name from territory where kind = 'commune' order by code offset (g % ${communes.length}) limit 1) t on true`.execute(trx);
    await sql`update gen set org = null where g % 5 = 0`.execute(trx);
    await sql`insert into contribution (id, kind, submitter_id, organization_id, state, current_revision_id, published_version_id, title, submitted_at, approved_at)
      select c, 'new_dataset', ${user.id}, org, 'published', r, v, metadata->>'title', updated, updated from gen`.execute(trx);
    await sql`insert into contribution_revision (id, contribution_id, number, metadata, frozen_at) select r, c, 1, metadata, updated from gen`.execute(trx);
    // The search trigger runs once, after the files exist (it reads them), not at insert too;
    // the facet counters are rebuilt in one statement at the end (in one transaction, 100 000
    // increments of the same few rows would each walk that row's chain of versions).
    await sql`alter table dataset disable trigger user`.execute(trx);
    await sql`insert into dataset (id, slug, organization_id, metadata, current_version_id, created_at, updated_at, download_count)
      select d, 'jeu-' || g, org, metadata, v, updated, updated, (random() * random() * 5000)::int from gen`.execute(trx);
    await sql`insert into dataset_version (id, dataset_id, number, contribution_id, revision_id, metadata, submitter_id, organization_id, submitted_at, approved_at, published_at)
      select v, d, 1, c, r, metadata, ${user.id}, org, updated, updated, updated from gen`.execute(trx);
    await sql`insert into distribution (dataset_version_id, filename, format, media_type, size, sha256, storage_key)
      select v, 'donnees-' || g || '.' || fmt, fmt, 'application/octet-stream', 1000 + g, md5(g::text) || md5(g::text), 'distributions/x/' || g from gen`.execute(trx);
    // The trigger computes documents and facet keys now that the files exist.
    await sql`set constraints all immediate`.execute(trx);
    await sql`alter table dataset enable trigger dataset_search_refresh`.execute(trx);
    await sql`update dataset set search_document = null`.execute(trx);
    await sql`alter table dataset enable trigger user`.execute(trx);
    await sql`delete from catalogue_facet_count`.execute(trx);
    await sql`insert into catalogue_facet_count (key, active, total)
      select k, count(*) filter (where archived_at is null), count(*)
      from dataset, unnest('{*}'::text[] || facets) k where listed group by k`.execute(trx);
    // So is the narrow table that searches with words read.
    await sql`select dataset_search_rebuild()`.execute(trx);
  });
  await sql`vacuum analyze dataset_search`.execute(db);
  await sql`vacuum analyze dataset`.execute(db);
  await sql`vacuum analyze distribution`.execute(db);
}

interface Shape {
  name: string;
  queries: string[];
}

const WORDS = ['eclairage', 'velo', 'arbres', 'budget', 'piscines', 'dechets', 'recharge', 'pollens', 'fontaines', 'bibliotheques'];
const PAIRS = ['eclairage public', 'stationnements velo', 'qualite air', 'collecte dechets', 'pistes cyclables', 'logements sociaux', 'bruit routier', 'aires jeux'];
const COMMUNES = ['69123', '69266', '69029', '69259', '69256', '69034'];
const THEMES = ['mobilite', 'environnement', 'energie', 'culture', 'eau', 'economie'];

const shapes: Shape[] = [
  { name: 'empty query (first page, all facets)', queries: [''] },
  { name: 'one word', queries: WORDS.map((w) => `q=${w}`) },
  { name: 'one word, prefix as typed', queries: WORDS.map((w) => `q=${w.slice(0, 4)}`) },
  { name: 'two words', queries: PAIRS.map((p) => `q=${encodeURIComponent(p)}`) },
  { name: 'one facet', queries: COMMUNES.map((c) => `commune=${c}`) },
  { name: 'three facets', queries: COMMUNES.map((c, i) => `commune=${c}&theme=${THEMES[i]}&kind=public`) },
  { name: 'one word + three facets', queries: COMMUNES.map((c, i) => `q=${WORDS[i]}&commune=${c}&format=csv&licence=lo-2.0`) },
  { name: 'one word, most downloaded', queries: WORDS.map((w) => `q=${w}&tri=downloads`) },
  { name: 'empty query, page 50', queries: ['page=50'] },
];

async function measure(fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn(i); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const e = await startEmbeddedPostgres({ dataDir: path.resolve('.data/bench-search') });
    adminUrl = e.url;
    stop = e.stop;
  }
  // BENCH_KEEP=1 keeps the generated database (its name is printed); BENCH_REUSE=<name>
  // measures again on a kept one (migrated to the tree's latest first), without generating.
  const reuse = process.env.BENCH_REUSE;
  const name = reuse ?? `terridata_bench_search_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (!reuse) await admin.query(`create database ${name}`);
  const url = withDatabase(adminUrl, name);
  const { db, pool } = createDb(url, 6);
  const lines: string[] = [];
  const say = (l: string) => {
    console.log(l);
    lines.push(l);
  };
  try {
    await migrateToLatest(pool);
    const version = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db)).rows[0]!.v;
    const t0 = performance.now();
    if (!reuse) await generate(db);
    else await sql`vacuum analyze`.execute(db);
    const genS = (performance.now() - t0) / 1000;
    const listed = (await sql<{ n: number }>`select count(*)::int as n from dataset where listed`.execute(db)).rows[0]!.n;
    say(`- ${listed.toLocaleString('en')} listed datasets generated in SQL in ${genS.toFixed(0)} s (300 publishers, 59 communes, 12 themes, 7 formats, updates over 3 years); PostgreSQL ${version}; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)} at start; ${RUNS} runs per shape after 10 warm-up runs, one at a time.`);
    const labels = await loadLabels(db, 'fr');

    say('');
    say('| query shape | p50 | p95 | max | results (first query) |');
    say('|---|---|---|---|---|');
    const slugs = (await sql<{ slug: string }>`select slug from dataset order by random() limit 500`.execute(db)).rows.map((r) => r.slug);
    const base1 = await measure((i) => db.selectFrom('dataset').selectAll().where('slug', '=', slugs[i % slugs.length]!).executeTakeFirst());
    say(`| baseline: one dataset by slug (unique index) | ${ms(pct(base1, 50))} | ${ms(pct(base1, 95))} | ${ms(base1.at(-1)!)} | 1 |`);
    const base2 = await measure(() => listPublishedDatasets(db, { limit: 20 }));
    say(`| baseline: newest 20 of the plain list (no search, no facets) | ${ms(pct(base2, 50))} | ${ms(pct(base2, 95))} | ${ms(base2.at(-1)!)} | 20 |`);

    let slowest: { shape: Shape; p95: number } | null = null;
    for (const shape of shapes) {
      const parsed = shape.queries.map((q) => {
        const p = parseSearch(new URLSearchParams(q));
        if (!p.success) throw new Error(`bad bench query ${q}`);
        return p.data;
      });
      const first = await searchDatasets(db, parsed[0]!, { labels });
      const times = await measure((i) => searchDatasets(db, parsed[i % parsed.length]!, { labels }));
      const p95 = pct(times, 95);
      const total = `${first.approximate ? '≈ ' : ''}${first.total.toLocaleString('en')}`;
      say(`| ${shape.name} (\`${shape.queries[0] || '(empty)'}\`…) | ${ms(pct(times, 50))} | ${ms(p95)} | ${ms(times.at(-1)!)} | ${total} |`);
      if (!slowest || p95 > slowest.p95) slowest = { shape, p95 };
    }

    // BENCH_BEFORE=<module exporting an earlier searchDatasets>: the same shapes measured
    // interleaved (earlier, current, earlier, current…, the order flipped at each run), so
    // that the load of a shared machine weighs on both alike.
    if (process.env.BENCH_BEFORE) {
      const before = (await import(path.resolve(process.env.BENCH_BEFORE))) as { searchDatasets: typeof searchDatasets };
      say('');
      say(`Interleaved with the earlier code (\`${process.env.BENCH_BEFORE}\`), load ${loadavg()[0]!.toFixed(2)}:`);
      say('');
      say('| query shape | earlier p50 | earlier p95 | now p50 | now p95 | p95 now / earlier |');
      say('|---|---|---|---|---|---|');
      for (const shape of shapes) {
        const parsed = shape.queries.map((q) => parseSearch(new URLSearchParams(q)).data!);
        const a: number[] = [];
        const b: number[] = [];
        const timed = async (list: number[], fn: () => Promise<unknown>) => {
          const t0 = performance.now();
          await fn();
          list.push(performance.now() - t0);
        };
        for (let i = 0; i < 5; i++) {
          await before.searchDatasets(db, parsed[i % parsed.length]!, { labels });
          await searchDatasets(db, parsed[i % parsed.length]!, { labels });
        }
        for (let i = 0; i < RUNS; i++) {
          const q = parsed[i % parsed.length]!;
          const runA = () => timed(a, () => before.searchDatasets(db, q, { labels }));
          const runB = () => timed(b, () => searchDatasets(db, q, { labels }));
          if (i % 2) {
            await runA();
            await runB();
          } else {
            await runB();
            await runA();
          }
        }
        a.sort((x, y) => x - y);
        b.sort((x, y) => x - y);
        say(`| ${shape.name} | ${ms(pct(a, 50))} | ${ms(pct(a, 95))} | ${ms(pct(b, 50))} | ${ms(pct(b, 95))} | ${(pct(b, 95) / pct(a, 95)).toFixed(2)} |`);
      }
    }

    // The plans of the slowest shape's statements, captured from a logging Kysely instance.
    const captured: { sql: string; parameters: readonly unknown[] }[] = [];
    const logging = new Kysely<Database>({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (e.level === 'query') captured.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
    const p = parseSearch(new URLSearchParams(slowest!.shape.queries[0]))!;
    await searchDatasets(logging as DB, p.data!, { labels });
    say('');
    say(`Plans of the slowest shape, "${slowest!.shape.name}" (\`${slowest!.shape.queries[0] || '(empty)'}\`), EXPLAIN (ANALYZE, BUFFERS):`);
    for (const q of captured.filter((c) => /from dataset/.test(c.sql) && !/^explain/.test(c.sql))) {
      // The counting pass runs without parallel workers (search.server.ts `serial`): so does its plan.
      const client = await pool.connect();
      let plan;
      try {
        await client.query('begin');
        if (/unnest\(array\[/.test(q.sql)) await client.query('set local max_parallel_workers_per_gather = 0');
        plan = await client.query(`explain (analyze, buffers, costs off) ${q.sql}`, q.parameters as unknown[]);
        await client.query('commit');
      } finally {
        client.release();
      }
      say('');
      say('```');
      say(q.sql.replace(/\s+/g, ' ').trim());
      for (const row of plan.rows as { 'QUERY PLAN': string }[]) say(row['QUERY PLAN']);
      say('```');
    }
  } finally {
    await db.destroy();
    if (process.env.BENCH_KEEP === '1' || reuse) console.log(`kept database ${name}`);
    else await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    await stop?.();
  }
  if (process.env.BENCH_DOC !== '0') {
    const doc = [
      '',
      `## Catalogue search (\`npm run bench:search\`, ${new Date().toISOString().slice(0, 10)})`,
      '',
      'Command: `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:search`. Server time of',
      '`searchDatasets` (what the /datasets loader runs: the results page, facet counts and totals, three',
      'statements in parallel on the pool, plus the tsquery parse), target p95 < 50 ms.',
      '',
      ...lines,
      '',
    ].join('\n');
    appendFileSync(path.resolve('docs/benchmarks.md'), doc);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
