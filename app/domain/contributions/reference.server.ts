// Reference lists a contribution's metadata is checked against: themes (admin-managed,
// seeded), licences, and the communes of the territory.
import { sql } from 'kysely';
import type { DB } from '#db/client';
import type { ReferenceLists } from './contributions.schema';

export const defaultThemes = [
  ['mobilite', 'Mobilité et transports', 'Mobility and transport'],
  ['environnement', 'Environnement et biodiversité', 'Environment and biodiversity'],
  ['urbanisme', 'Urbanisme et logement', 'Urban planning and housing'],
  ['energie', 'Énergie et climat', 'Energy and climate'],
  ['eau', 'Eau et assainissement', 'Water and sanitation'],
  ['economie', 'Économie et emploi', 'Economy and employment'],
  ['culture', 'Culture, sport et loisirs', 'Culture, sport and leisure'],
  ['social', 'Solidarités et santé', 'Social services and health'],
  ['education', 'Éducation et jeunesse', 'Education and youth'],
  ['citoyennete', 'Citoyenneté et administration', 'Citizenship and administration'],
  ['proprete', 'Propreté et déchets', 'Cleanliness and waste'],
  ['tourisme', 'Tourisme', 'Tourism'],
] as const;

export const defaultLicences = [
  { id: 'lo-2.0', name: 'Licence Ouverte 2.0 (Etalab)', url: 'https://www.etalab.gouv.fr/licence-ouverte-open-licence/', traceable: false },
  { id: 'odbl-1.0', name: 'ODbL 1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/', traceable: false },
  { id: 'cc-by-4.0', name: 'CC-BY 4.0', url: 'https://creativecommons.org/licenses/by/4.0/', traceable: false },
  { id: 'cc0-1.0', name: 'CC0 1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/', traceable: false },
  {
    id: 'licence-engagee',
    name: 'Licence engagée (réutilisation tracée)',
    url: 'https://data.grandlyon.com/licences',
    traceable: true,
  },
] as const;

export async function seedReferenceLists(db: DB): Promise<void> {
  await db
    .insertInto('theme')
    .values(defaultThemes.map(([code, label_fr, label_en], position) => ({ code, label_fr, label_en, position })))
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  await db
    .insertInto('licence')
    .values(defaultLicences.map((l, position) => ({ ...l, position })))
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export interface ReferenceData {
  themes: { code: string; label: string }[];
  licences: { id: string; name: string; url: string; traceable: boolean }[];
  communes: { code: string; name: string }[];
}

export async function loadReferenceData(db: DB, lng: string): Promise<ReferenceData> {
  const [themes, licences, communes] = await Promise.all([
    db
      .selectFrom('theme')
      .select(['code', lng === 'en' ? 'label_en as label' : 'label_fr as label'])
      .where('active', '=', true)
      .orderBy('position')
      .execute(),
    db.selectFrom('licence').select(['id', 'name', 'url', 'traceable']).orderBy('position').execute(),
    db
      .selectFrom('territory')
      .select(['code', 'name'])
      .where('kind', '=', 'commune')
      .orderBy(sql`unaccent(name)`)
      .execute(),
  ]);
  return { themes, licences, communes };
}

export const referenceLists = (r: ReferenceData): ReferenceLists => ({
  themes: r.themes.map((t) => t.code),
  licences: r.licences.map((l) => l.id),
  communes: r.communes.map((c) => c.code),
});
