// A generated catalogue for benchmarks: N published datasets made in SQL (realistic French
// titles, descriptions, keywords, themes, communes, licences, publishers of the three kinds,
// files in several formats, three years of updates). The same generation as
// test/bench/search.bench.ts (copied from it while that file was being changed; it can import
// this one instead).
import { sql } from 'kysely';
import type { DB } from '../../db/client';
import { seedReferenceLists } from '../../app/domain/contributions/reference.server';
import { loadTerritories } from '../../app/domain/territories/territories.server';

const SUBJECTS = [
  'Éclairage public',
  'Stationnements vélo',
  'Arbres d’alignement',
  'Bornes de recharge électrique',
  'Qualité de l’air',
  'Collecte des déchets ménagers',
  'Fréquentation des piscines',
  'Budget primitif',
  'Équipements sportifs',
  'Pistes cyclables',
  'Toilettes publiques',
  'Consommation énergétique des bâtiments',
  'Permis de construire',
  'Marchés forains',
  'Bibliothèques municipales',
  'Écoles maternelles et élémentaires',
  'Parcs et jardins',
  'Points d’apport volontaire du verre',
  'Comptages routiers',
  'Accidents corporels de la circulation',
  'Arrêts de bus et de tramway',
  'Aires de jeux',
  'Défibrillateurs',
  'Fontaines à boire',
  'Places de stationnement PMR',
  'Horaires des déchèteries',
  'Subventions aux associations',
  'Logements sociaux',
  'Bruit routier',
  'Îlots de chaleur',
  'Crèches et haltes-garderies',
  'Musées et lieux culturels',
  'Zones de rencontre',
  'Travaux sur la voirie',
  'Inventaire du patrimoine',
  'Réseau de chaleur urbain',
  'Pollens',
  'Vélos en libre-service',
  'Plan local d’urbanisme',
  'Consommation d’eau potable',
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
  'mobilité',
  'vélo',
  'énergie',
  'environnement',
  'budget',
  'finances',
  'déchets',
  'eau',
  'air',
  'bruit',
  'voirie',
  'urbanisme',
  'culture',
  'sport',
  'enfance',
  'santé',
  'logement',
  'patrimoine',
  'transport',
  'stationnement',
  'arbres',
  'éclairage',
  'climat',
  'tourisme',
];
const arr = (a: string[]) =>
  sql.raw(`(array[${a.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[])`);

export async function generateCatalogue(db: DB, N: number): Promise<void> {
  await seedReferenceLists(db);
  await loadTerritories(db);
  const communes = (
    await db.selectFrom('territory').select('code').where('kind', '=', 'commune').execute()
  ).map((c) => c.code);
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
      join lateral (select code, name from territory where kind = 'commune' order by code offset (g % ${communes.length}) limit 1) t on true`.execute(
      trx,
    );
    await sql`update gen set org = null where g % 5 = 0`.execute(trx);
    await sql`insert into contribution (id, kind, submitter_id, organization_id, state, current_revision_id, published_version_id, title, submitted_at, approved_at)
      select c, 'new_dataset', ${user.id}, org, 'published', r, v, metadata->>'title', updated, updated from gen`.execute(
      trx,
    );
    await sql`insert into contribution_revision (id, contribution_id, number, metadata, frozen_at) select r, c, 1, metadata, updated from gen`.execute(
      trx,
    );
    // The search trigger runs once, after the files exist (it reads them), not at insert too;
    // the facet counters are rebuilt in one statement at the end (in one transaction, 100 000
    // increments of the same few rows would each walk that row's chain of versions).
    await sql`alter table dataset disable trigger user`.execute(trx);
    await sql`insert into dataset (id, slug, organization_id, metadata, current_version_id, created_at, updated_at, download_count)
      select d, 'jeu-' || g, org, metadata, v, updated, updated, (random() * random() * 5000)::int from gen`.execute(
      trx,
    );
    await sql`insert into dataset_version (id, dataset_id, number, contribution_id, revision_id, metadata, submitter_id, organization_id, submitted_at, approved_at, published_at)
      select v, d, 1, c, r, metadata, ${user.id}, org, updated, updated, updated from gen`.execute(
      trx,
    );
    await sql`insert into distribution (dataset_version_id, filename, format, media_type, size, sha256, storage_key)
      select v, 'donnees-' || g || '.' || fmt, fmt, 'application/octet-stream', 1000 + g, md5(g::text) || md5(g::text), 'distributions/x/' || g from gen`.execute(
      trx,
    );
    // The trigger computes documents and facet keys now that the files exist.
    await sql`set constraints all immediate`.execute(trx);
    await sql`alter table dataset enable trigger dataset_search_refresh`.execute(trx);
    await sql`update dataset set search_document = null`.execute(trx);
    await sql`alter table dataset enable trigger user`.execute(trx);
    await sql`delete from catalogue_facet_count`.execute(trx);
    await sql`insert into catalogue_facet_count (key, active, total)
      select k, count(*) filter (where archived_at is null), count(*)
      from dataset, unnest('{*}'::text[] || facets) k where listed group by k`.execute(trx);
    // So is the narrow table that word searches read, where the schema has one.
    const rebuild = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_proc where proname = 'dataset_search_rebuild'`.execute(
      trx,
    );
    if (rebuild.rows[0]!.n) await sql`select dataset_search_rebuild()`.execute(trx);
  });
  await sql`vacuum analyze`.execute(db);
}
