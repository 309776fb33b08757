// Demo catalogue (dev seed): a handful of datasets about the Métropole de Lyon's communes,
// built from the communes file shipped with the app (boundaries, INSEE codes, populations,
// postcodes), published through the real path: files stored and validated like uploads,
// contributions submitted by the demo accounts, claimed and approved by the demo moderator,
// then published. Idempotent: a dataset whose contribution already exists is skipped.
import { randomBytes } from 'node:crypto';
import type { DB } from '#db/client';
import { attachUpload, createDraft, saveDraft, submitContribution } from '../contributions/contributions.server';
import type { DraftMetadata } from '../contributions/contributions.schema';
import { loadReferenceData, referenceLists } from '../contributions/reference.server';
import { approveContribution, claimNextContribution, loadModerator, releaseClaim } from '../moderation/moderation.server';
import type { ClaimedItem } from '../moderation/moderation.server';
import { publishApprovedContribution } from '../moderation/publish.server';
import type { ObjectStorage } from '../storage/storage.server';
import { communeAt, communes } from '../territories/territories.server';
import type { Commune } from '../territories/territories.server';
import { processUpload } from '../uploads/process-upload.server';

interface DemoDataset {
  submitter: string;
  organization: string;
  draft: DraftMetadata;
  files: { filename: string; content: string }[];
}

const csv = (rows: (string | number)[][]) => rows.map((r) => r.map((v) => (/[;"\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v))).join(';')).join('\n') + '\n';

/** A representative point of a commune: the mean of its outer ring, moved inside if needed. */
function centreOf(c: Commune): [number, number] {
  const ring = c.geometry.type === 'Polygon' ? c.geometry.coordinates[0]! : c.geometry.coordinates[0]![0]!;
  const lon = ring.reduce((s, p) => s + p[0], 0) / ring.length;
  const lat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  if (communeAt(lon, lat)?.code === c.code) return [round(lon), round(lat)];
  const [x0, y0, x1, y1] = c.bbox;
  for (let i = 1; i < 10; i++)
    for (let j = 1; j < 10; j++) {
      const x = x0 + ((x1 - x0) * i) / 10;
      const y = y0 + ((y1 - y0) * j) / 10;
      if (communeAt(x, y)?.code === c.code) return [round(x), round(y)];
    }
  return [round(lon), round(lat)];
}
const round = (x: number) => Math.round(x * 1e5) / 1e5;

function demoDatasets(): DemoDataset[] {
  const all = communes();
  const codes = all.map((c) => c.code);
  const common = { licence: 'lo-2.0', contactName: 'Service de la donnée', contactEmail: 'donnees@demo.terridata.fr', personalData: 'no', rightsStatement: 'on' } as const;
  const boundaries = {
    type: 'FeatureCollection',
    features: all.map((c) => ({ type: 'Feature', properties: { code_insee: c.code, nom: c.name, population: c.population }, geometry: c.geometry })),
  };
  const centres = {
    type: 'FeatureCollection',
    features: all.map((c) => ({ type: 'Feature', properties: { code_insee: c.code, nom: c.name }, geometry: { type: 'Point', coordinates: centreOf(c) } })),
  };
  // Bicycle stands around the centres of six communes, spread on a small deterministic
  // pattern and kept only where they fall inside their commune.
  const standCommunes = ['69123', '69266', '69259', '69029', '69034', '69256'].map((code) => all.find((c) => c.code === code)).filter((c): c is Commune => Boolean(c));
  const stands: (string | number)[][] = [['identifiant', 'code_insee', 'commune', 'longitude', 'latitude', 'places', 'couvert', 'date_releve']];
  let n = 0;
  for (const c of standCommunes) {
    const [lon, lat] = centreOf(c);
    for (let i = 0; i < 8; i++) {
      const angle = (i * 2 * Math.PI) / 8 + c.code.charCodeAt(4);
      const x = round(lon + Math.cos(angle) * 0.004 * (1 + (i % 3)));
      const y = round(lat + Math.sin(angle) * 0.003 * (1 + (i % 3)));
      if (communeAt(x, y)?.code !== c.code) continue;
      n++;
      stands.push([`VL-${String(n).padStart(4, '0')}`, c.code, c.name, x, y, 4 + 2 * (i % 4), i % 3 === 0 ? 'oui' : 'non', `2026-0${1 + (i % 9)}-1${i % 10}`]);
    }
  }

  return [
    {
      submitter: 'agent@demo.terridata.fr',
      organization: 'metropole-de-lyon',
      draft: {
        ...common,
        title: 'Contours des communes de la Métropole de Lyon',
        description:
          'Les limites administratives des 58 communes de la Métropole de Lyon, avec leur code INSEE et leur population légale.\n\n' +
          'Chaque objet est un polygone en longitude et latitude (WGS 84). Les contours sont simplifiés pour un usage cartographique à l’échelle de l’agglomération ; ils ne font pas foi pour le cadastre.',
        themes: ['citoyennete', 'urbanisme'],
        keywords: ['communes', 'limites administratives', 'INSEE'],
        communes: ['200046977'],
        updateFrequency: 'annual',
        temporalStart: '2026-01-01',
        columns: [
          { name: 'code_insee', description: 'Code officiel géographique de la commune (INSEE)' },
          { name: 'nom', description: 'Nom de la commune' },
          { name: 'population', description: 'Population municipale légale' },
        ],
      },
      files: [{ filename: 'communes-metropole-de-lyon.geojson', content: JSON.stringify(boundaries) }],
    },
    {
      submitter: 'agent@demo.terridata.fr',
      organization: 'metropole-de-lyon',
      draft: {
        ...common,
        title: 'Population légale des communes de la Métropole',
        description:
          'La population municipale légale de chaque commune de la Métropole de Lyon, telle que publiée par l’INSEE, avec le SIREN de la commune.\n\n' +
          'Un fichier CSV (séparateur point-virgule, UTF-8), une ligne par commune.',
        themes: ['social', 'citoyennete'],
        keywords: ['population', 'recensement', 'communes'],
        communes: codes,
        updateFrequency: 'annual',
        temporalStart: '2026-01-01',
        temporalEnd: '2026-12-31',
        columns: [
          { name: 'code_insee', description: 'Code INSEE de la commune' },
          { name: 'nom', description: 'Nom de la commune' },
          { name: 'siren', description: 'SIREN de la commune' },
          { name: 'population', description: 'Population municipale légale (habitants)' },
        ],
      },
      files: [
        {
          filename: 'population-communes.csv',
          content: csv([['code_insee', 'nom', 'siren', 'population'], ...all.map((c) => [c.code, c.name, c.siren ?? '', c.population ?? ''])]),
        },
      ],
    },
    {
      submitter: 'agent@demo.terridata.fr',
      organization: 'metropole-de-lyon',
      draft: {
        ...common,
        title: 'Codes postaux des communes de la Métropole',
        description:
          'La correspondance entre les codes INSEE des communes de la Métropole de Lyon et leurs codes postaux (une ligne par couple ; Lyon en compte neuf, un par arrondissement).',
        themes: ['citoyennete'],
        keywords: ['codes postaux', 'adresses', 'communes'],
        communes: codes,
        updateFrequency: 'irregular',
        columns: [
          { name: 'code_insee', description: 'Code INSEE de la commune' },
          { name: 'nom', description: 'Nom de la commune' },
          { name: 'code_postal', description: 'Code postal' },
        ],
      },
      files: [
        {
          filename: 'codes-postaux.csv',
          content: csv([['code_insee', 'nom', 'code_postal'], ...all.flatMap((c) => c.postalCodes.map((p) => [c.code, c.name, p]))]),
        },
      ],
    },
    {
      submitter: 'agent@demo.terridata.fr',
      organization: 'metropole-de-lyon',
      draft: {
        ...common,
        licence: 'odbl-1.0',
        title: 'Points représentatifs des communes',
        description: 'Un point par commune de la Métropole de Lyon, à l’intérieur de son territoire, pour placer une étiquette ou une épingle sur une carte.',
        themes: ['urbanisme'],
        keywords: ['cartographie', 'communes'],
        communes: ['200046977'],
        updateFrequency: 'punctual',
      },
      files: [{ filename: 'points-communes.geojson', content: JSON.stringify(centres) }],
    },
    {
      submitter: 'partenaire@demo.terridata.fr',
      organization: 'velos-lumiere',
      draft: {
        ...common,
        contactName: 'Équipe Vélos Lumière',
        contactEmail: 'contact@demo.terridata.fr',
        title: 'Stationnements vélo relevés par Vélos Lumière',
        description:
          'Les arceaux de stationnement vélo relevés sur le terrain par l’équipe de Vélos Lumière en 2026 (données de démonstration), avec le nombre de places et la présence d’un abri.',
        themes: ['mobilite'],
        keywords: ['vélo', 'stationnement', 'arceaux'],
        communes: standCommunes.map((c) => c.code),
        updateFrequency: 'monthly',
        temporalStart: '2026-01-01',
        columns: [
          { name: 'identifiant', description: 'Identifiant du relevé' },
          { name: 'places', description: 'Nombre de places' },
          { name: 'couvert', description: 'Abri (oui/non)' },
          { name: 'date_releve', description: 'Date du relevé' },
        ],
      },
      files: [{ filename: 'stationnements-velo.csv', content: csv(stands) }],
    },
  ];
}

/** Stores bytes as a finished upload of `ownerId`, then validates it like the worker does. */
async function demoUpload(db: DB, storage: ObjectStorage, ownerId: string, f: { filename: string; content: string }): Promise<string> {
  const id = randomBytes(16).toString('hex');
  const key = storage.tusKey(id);
  const bytes = Buffer.from(f.content);
  await storage.put(key, bytes);
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose: 'dataset',
      filename: f.filename,
      declared_size: bytes.length,
      offset: bytes.length,
      status: 'complete',
      storage_key: key,
      expires_at: new Date(Date.now() + 7 * 86_400_000),
    })
    .execute();
  await processUpload(db, { storage }, id);
  return id;
}

const keyT = (key: string) => key;

export async function seedDemoCatalogue(db: DB, opts: { storage: ObjectStorage }): Promise<void> {
  const users = new Map(
    (await db.selectFrom('users').select(['id', 'email']).where('email', 'like', '%@demo.terridata.fr').execute()).map((u) => [u.email, u.id]),
  );
  const orgs = new Map((await db.selectFrom('organization').select(['id', 'slug']).execute()).map((o) => [o.slug, o.id]));
  const moderatorId = users.get('moderateur@demo.terridata.fr');
  const moderator = moderatorId ? await loadModerator(db, moderatorId) : null;
  if (!moderator) throw new Error('the demo moderator is missing: seed the identity demo first');
  const refs = referenceLists(await loadReferenceData(db, 'fr'));

  for (const d of demoDatasets()) {
    const submitterId = users.get(d.submitter);
    const organizationId = orgs.get(d.organization);
    if (!submitterId || !organizationId) throw new Error(`demo account or organisation missing for "${d.draft.title}"`);
    const done = await db
      .selectFrom('contribution')
      .select('id')
      .where('submitter_id', '=', submitterId)
      .where('title', '=', d.draft.title!)
      .executeTakeFirst();
    if (done) continue;

    const actor = { id: submitterId };
    const { id } = await createDraft(db, actor, { kind: 'new_dataset' });
    await saveDraft(db, actor, id, { ...d.draft, organizationId });
    for (const f of d.files) await attachUpload(db, actor, id, await demoUpload(db, opts.storage, submitterId, f));
    await submitContribution(db, actor, id, keyT, refs, { auditShare: 0 });

    // "Review next" gives the oldest waiting item: other demo steps may have queued some;
    // they are put back once ours is found.
    const others: ClaimedItem[] = [];
    let claim: ClaimedItem | null = null;
    for (let i = 0; i < 100; i++) {
      const next = await claimNextContribution(db, moderator, { kind: 'dataset' });
      if (!next || next.id === id) {
        claim = next;
        break;
      }
      others.push(next);
    }
    for (const o of others) await releaseClaim(db, moderator, o.id);
    if (!claim) throw new Error(`the demo moderator could not claim "${d.draft.title}"`);
    await approveContribution(db, moderator, id, { expectedVersion: claim.version, comment: 'Jeu de démonstration vérifié.' });
    await publishApprovedContribution(db, id, { storage: opts.storage });
  }
}
