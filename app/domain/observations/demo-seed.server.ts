// Demo observations (dev seed): about 200 citizen observations over the communes of the
// Métropole, the ten categories and the last eighteen months, so the public map, the list,
// the "to confirm" list, the moderation queue and the open-data datasets have something to
// show. Twelve demo residents (accounts that cannot sign in) and the demo citizen report
// them; other residents confirm some; the demo moderator approves them, rejects a few
// duplicates and marks the older ones resolved; a dozen recent ones wait for moderation.
//
// Everything goes through the domain functions (submitObservation, confirmObservation,
// claim/approve/reject, resolveObservations): the listed flag, the cell counts, the export
// marks, the ledger credits, the trusted-observer auto-approval and the moderation events
// are the real ones. Only some dates are then moved back so the items look their age: the
// submission, approval and publication times of the contribution and observation rows and
// the confirmation times (what the queue, the lists and the open-data files show). The
// append-only moderation events and audit log, the frozen revision and the hash-chained
// ledger keep the true seed time, so the resolutions (shown next to the decisions on an
// observation's page) are left at that time too: a page never shows a problem resolved
// before the decision that published it.
//
// Deterministic (a seeded pseudo-random generator, no dependence on the date except the
// dates themselves) and idempotent: an observation is known by its author and its point,
// so a second run adds nothing, and a run that stopped halfway is completed.
import sharp from 'sharp';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DB } from '#db/client';
import { communeAt } from '../territories/territories.server';
import {
  approveContribution,
  claimNextContribution,
  loadModerator,
  rejectContribution,
  releaseClaim,
} from '../moderation/moderation.server';
import type { ClaimedItem, Moderator } from '../moderation/moderation.server';
import { currentTermsVersion } from '../legal/legal.server';
import type { ObjectStorage } from '../storage/storage.server';
import {
  confirmationWeight,
  confirmObservation,
  resolveObservations,
  submitObservation,
} from './observations.server';
import { processObservationPhoto } from './photos.server';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The demo residents: pseudonyms and how many observations each reports (activity). */
export const demoResidents = [
  { email: 'habitant-01@demo.terridata.fr', pseudonym: 'Sophie L.', activity: 30 },
  { email: 'habitant-02@demo.terridata.fr', pseudonym: 'velotaf_villeurbanne', activity: 24 },
  { email: 'habitant-03@demo.terridata.fr', pseudonym: 'Karim B.', activity: 20 },
  { email: 'habitant-04@demo.terridata.fr', pseudonym: 'Marc de Gerland', activity: 18 },
  { email: 'habitant-05@demo.terridata.fr', pseudonym: 'Nadia', activity: 16 },
  { email: 'habitant-06@demo.terridata.fr', pseudonym: 'JeanPaul69', activity: 14 },
  { email: 'habitant-07@demo.terridata.fr', pseudonym: 'Lucie M.', activity: 13 },
  { email: 'habitant-08@demo.terridata.fr', pseudonym: 'Hugo (Vaise)', activity: 12 },
  { email: 'habitant-09@demo.terridata.fr', pseudonym: 'Fatou D.', activity: 11 },
  // Newer residents: few observations, not trusted observers, so theirs wait for moderation.
  { email: 'habitant-10@demo.terridata.fr', pseudonym: 'Thomas R.', activity: 6, newcomer: true },
  { email: 'habitant-11@demo.terridata.fr', pseudonym: 'Émilie C.', activity: 6, newcomer: true },
  { email: 'habitant-12@demo.terridata.fr', pseudonym: 'Bernard 69', activity: 5, newcomer: true },
] as const;

const DEMO_CITIZEN = 'citoyen@demo.terridata.fr';
const DEMO_MODERATOR = 'moderateur@demo.terridata.fr';
/** Observations of the demo citizen (a trusted observer in the demo ledger: published at once). */
const CITIZEN_ACTIVITY = 14;
const PENDING = 12;
const REJECTED = 4;
/** How far back the observations go. */
const SPAN_DAYS = 540;

/** mulberry32: a small seeded generator, the same sequence on every run. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const weighted = <T>(xs: readonly (readonly [T, number])[]): T => {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = next() * total;
    for (const [x, w] of xs) if ((r -= w) < 0) return x;
    return xs[xs.length - 1]![0];
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, int, pick, weighted, gauss };
}
type Rng = ReturnType<typeof generator>;

const categoryWeights = [
  ['voirie', 22],
  ['proprete', 20],
  ['eclairage_public', 12],
  ['mobilier_urbain', 8],
  ['arbres_espaces_verts', 8],
  ['stationnement_velo', 8],
  ['accessibilite', 7],
  ['bruit', 6],
  ['qualite_air', 4],
  ['autre', 5],
] as const;

/** Share of the published observations (older than three weeks) marked resolved. */
const resolvedShare: Record<string, number> = {
  voirie: 0.4,
  proprete: 0.55,
  eclairage_public: 0.6,
  mobilier_urbain: 0.35,
  arbres_espaces_verts: 0.35,
  stationnement_velo: 0.3,
  accessibilite: 0.25,
  bruit: 0.1,
  qualite_air: 0.1,
  autre: 0.25,
};

// Street names: real ones for Lyon and Villeurbanne, names found in most French communes elsewhere.
const streetsOf: Record<string, readonly string[]> = {
  '69123': [
    'rue de la République',
    'cours Lafayette',
    'rue Garibaldi',
    'avenue Berthelot',
    'rue Paul-Bert',
    'cours Gambetta',
    'boulevard de la Croix-Rousse',
    'rue de Marseille',
    'quai Claude-Bernard',
    'rue Duguesclin',
    'avenue Jean-Jaurès',
    'rue Mercière',
    'montée de la Grande-Côte',
    'rue Saint-Georges',
    'avenue des Frères-Lumière',
    'rue Marietton',
    'grande rue de la Guillotière',
    'rue de Gerland',
    'cours Vitton',
    'rue Tronchet',
    'rue Masséna',
    'quai Saint-Vincent',
  ],
  '69266': [
    'cours Émile-Zola',
    'avenue Henri-Barbusse',
    'rue Francis-de-Pressensé',
    'rue Léon-Blum',
    'cours Tolstoï',
    'avenue Roger-Salengro',
    'rue Anatole-France',
    'rue du 4-Août-1789',
    'place Lazare-Goujon',
  ],
};
const commonStreets = [
  'rue de la République',
  'avenue Jean-Jaurès',
  'rue Victor-Hugo',
  'place de la Mairie',
  'rue Pasteur',
  'chemin des Vignes',
  'rue de l’Église',
  'avenue du Général-de-Gaulle',
  'rue Jules-Ferry',
  'allée des Tilleuls',
  'rue Émile-Zola',
  'route de Lyon',
  'rue du Stade',
  'rue des Écoles',
  'place du Marché',
  'chemin du Moulin',
  'rue Gambetta',
  'impasse des Lilas',
];

// What people write, per category: {rue} is a street, {n} a house number.
const texts: Record<string, readonly string[]> = {
  voirie: [
    'Nid-de-poule profond {rue}, devant le {n}. Les voitures font un écart pour l’éviter.',
    'Chaussée affaissée {rue} à hauteur du {n}, l’eau stagne dedans quand il pleut.',
    'Trottoir défoncé {rue} : plusieurs dalles descellées, on se tord facilement la cheville.',
    'Plaque d’égout qui claque à chaque passage de voiture {rue}, elle semble mal calée.',
    'Marquage du passage piéton presque effacé {rue}, près de l’école.',
    'Bordure de trottoir cassée {rue}, des morceaux de béton traînent sur la chaussée.',
    'Série de trous sur la piste cyclable {rue}, dangereux à vélo.',
    'Ralentisseur abîmé {rue} : il manque une partie du revêtement.',
    'Grille d’avaloir bouchée {rue}, grande flaque sur le passage piéton après chaque averse.',
    'Tranchée mal rebouchée après des travaux {rue}, le revêtement s’est creusé.',
    'Nid-de-poule au milieu du carrefour {rue}, on le voit mal la nuit.',
  ],
  eclairage_public: [
    'Lampadaire éteint {rue} depuis plusieurs soirs, la rue est très sombre vers le {n}.',
    'Trois lampadaires d’affilée ne s’allument plus {rue}.',
    'Lampadaire qui clignote toute la nuit {rue}, devant le {n}.',
    'Éclairage public allumé en plein jour {rue}.',
    'Candélabre penché {rue}, probablement heurté par un véhicule. La trappe de visite est ouverte.',
    'Le passage piéton {rue} n’est plus éclairé, on voit mal les gens qui traversent le soir.',
    'Tout le côté pair {rue} est dans le noir depuis le week-end.',
  ],
  proprete: [
    'Dépôt sauvage {rue} : matelas, cartons et un vieux meuble sur le trottoir.',
    'Sacs poubelle éventrés au pied des conteneurs {rue}, ça attire les pigeons.',
    'Conteneur à verre plein à ras bord {rue}, des bouteilles posées tout autour.',
    'Tags sur la façade et le transformateur électrique {rue}.',
    'Déjections canines en quantité sur le trottoir {rue}, près de l’entrée de l’école.',
    'Encombrants abandonnés {rue} depuis une semaine : un frigo et des pneus.',
    'Corbeille de rue qui déborde {rue}, pas vidée depuis plusieurs jours.',
    'Gravats de chantier déposés au bord du trottoir {rue}, devant le {n}.',
    'Feuilles mortes accumulées qui bouchent le caniveau {rue}, c’est glissant.',
    'Dépôt sauvage de sacs de déchets verts au coin {rue}.',
  ],
  mobilier_urbain: [
    'Banc cassé {rue} : deux lattes manquent, on ne peut plus s’asseoir.',
    'Vitre de l’abribus brisée {rue}, des éclats de verre au sol.',
    'Potelet arraché {rue}, il reste une tige métallique qui dépasse du trottoir.',
    'Panneau de signalisation tordu {rue}, il n’est plus lisible depuis la chaussée.',
    'Fontaine à boire qui ne coule plus {rue}.',
    'Barrière de protection descellée {rue}, elle bouge quand on s’appuie dessus.',
    'Horodateur hors service {rue}, l’écran reste noir.',
  ],
  arbres_espaces_verts: [
    'Grosse branche cassée qui pend au-dessus du trottoir {rue}, risque de chute.',
    'Arbre mort {rue}, plus une seule feuille depuis le printemps.',
    'Haie qui déborde largement sur le trottoir {rue}, les poussettes doivent passer sur la route.',
    'Pied d’arbre transformé en dépôt de déchets {rue}.',
    'Pelouse du square {rue} pas tondue depuis longtemps, l’herbe est très haute près des jeux.',
    'Racines qui soulèvent le trottoir {rue}, plusieurs personnes ont trébuché.',
    'Arrosage automatique qui fuit {rue}, l’eau coule sur le trottoir en continu.',
  ],
  accessibilite: [
    'Voiture garée tous les jours sur l’abaissement du trottoir {rue}, impossible de passer en fauteuil.',
    'Bateau de trottoir trop haut {rue} : un fauteuil roulant ne peut pas monter.',
    'Trottoir encombré de trottinettes couchées {rue}, on ne passe plus avec une poussette.',
    'Bandes podotactiles arrachées en haut de l’escalier {rue}.',
    'Feu piéton sans signal sonore {rue}, difficile pour les personnes malvoyantes.',
    'Chantier qui barre tout le trottoir {rue} sans cheminement piéton prévu.',
  ],
  stationnement_velo: [
    'Arceaux vélo occupés par des épaves {rue} : roues voilées, plus de selle.',
    'Arceau vélo arraché {rue}, devant le {n}.',
    'Pas un seul arceau {rue}, les vélos sont attachés aux grilles des immeubles.',
    'Vélo abandonné attaché depuis des mois {rue}, il bloque une place.',
    'Les arceaux {rue} sont trop serrés, on ne peut attacher qu’un vélo sur deux.',
    'Abri vélo {rue} : le lecteur de badge ne fonctionne plus.',
  ],
  bruit: [
    'Alarme de magasin qui sonne toute la nuit {rue}.',
    'Chantier qui démarre avant 7 h {rue}, marteau-piqueur dès 6 h 30.',
    'Soufflerie très bruyante d’un commerce {rue}, jour et nuit.',
    'Rodéos de scooters le soir {rue}, vers 23 h.',
    'Ventilation de parking qui ronfle en continu {rue}.',
    'Camion de livraison moteur allumé pendant une heure chaque matin {rue}.',
  ],
  qualite_air: [
    'Odeur de brûlé persistante {rue} : quelqu’un brûle des déchets verts dans son jardin.',
    'Fumée noire d’une cheminée d’atelier {rue} chaque après-midi.',
    'Forte odeur de solvant près du garage {rue}.',
    'Poussière d’un chantier jamais arrosé {rue}, tout est couvert dans le quartier.',
    'Voitures à l’arrêt moteur tournant devant l’école {rue} à la sortie des classes.',
  ],
  autre: [
    'Nid de frelons asiatiques dans un arbre {rue}, bien visible depuis le trottoir.',
    'Borne de recharge pour voitures électriques hors service {rue}.',
    'Fuite d’eau sur la chaussée {rue}, ça coule depuis ce matin.',
    'Panneau d’affichage municipal {rue} couvert d’affiches périmées depuis un an.',
    'Plaque de nom de rue arrachée {rue}, à l’angle du carrefour.',
  ],
};

const addenda: Record<string, readonly string[]> = {
  voirie: [
    'Dangereux surtout à vélo.',
    'Ça empire depuis les dernières pluies.',
    'Un scooter a failli tomber hier soir.',
  ],
  eclairage_public: ['On ne s’y sent pas en sécurité le soir.', 'Dangereux surtout la nuit.'],
  proprete: ['Ça commence à sentir mauvais.', 'Ce n’est pas la première fois à cet endroit.'],
  mobilier_urbain: ['Des enfants jouent juste à côté.'],
  arbres_espaces_verts: ['Surtout gênant les jours de marché.'],
  accessibilite: ['Ma voisine en fauteuil doit faire un grand détour.'],
  stationnement_velo: ['Il en faudrait au moins le double.'],
  bruit: ['C’est comme ça presque tous les jours.', 'Difficile de dormir fenêtres ouvertes.'],
  qualite_air: ['Les enfants toussent en passant.'],
  autre: [],
};
const general = [
  'Plusieurs voisins s’en sont plaints.',
  'Déjà signalé en mairie il y a quinze jours, sans suite pour l’instant.',
  'Merci d’avance.',
  'Photo prise en passant.',
];

function describeProblem(rng: Rng, category: string, commune: string): string {
  const street = rng.pick(streetsOf[commune] ?? commonStreets);
  let text = rng
    .pick(texts[category]!)
    .replace('{rue}', street)
    .replace('{n}', String(1 + rng.int(140)));
  const r = rng.next();
  if (r < 0.35 && addenda[category]!.length) text += ` ${rng.pick(addenda[category]!)}`;
  else if (r < 0.55) text += ` ${rng.pick(general)}`;
  return text;
}

interface Place {
  code: string;
  name: string;
  bbox: [number, number, number, number];
  weight: number;
  centre: [number, number];
}

/** The communes from the territory table: their box, a centre inside, a weight from their population. */
async function places(db: DB): Promise<Place[]> {
  const rows = await db
    .selectFrom('territory')
    .select(['code', 'name', 'bbox', 'population'])
    .where('kind', '=', 'commune')
    .orderBy('code')
    .execute();
  const out: Place[] = [];
  for (const r of rows) {
    if (!r.bbox || r.bbox.length !== 4) continue;
    const bbox = r.bbox as [number, number, number, number];
    let centre: [number, number] = [(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2];
    if (communeAt(centre[0], centre[1])?.code !== r.code) {
      // The middle of the box is outside an odd-shaped commune: the first grid point inside.
      grid: for (let i = 1; i < 10; i++)
        for (let j = 1; j < 10; j++) {
          const p: [number, number] = [
            bbox[0] + ((bbox[2] - bbox[0]) * i) / 10,
            bbox[1] + ((bbox[3] - bbox[1]) * j) / 10,
          ];
          if (communeAt(p[0], p[1])?.code === r.code) {
            centre = p;
            break grid;
          }
        }
    }
    // Where people live: Lyon and the big communes report most, the small ones a few.
    out.push({
      code: r.code,
      name: r.name,
      bbox,
      centre,
      weight: Math.pow(r.population ?? 1000, 0.8),
    });
  }
  return out;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A point inside the commune: mostly around its centre (where people are), some anywhere in it. */
function pointIn(rng: Rng, p: Place): [number, number] {
  const [x0, y0, x1, y1] = p.bbox;
  for (let i = 0; i < 200; i++) {
    const near = rng.next() < 0.65;
    const lon = near ? p.centre[0] + rng.gauss() * (x1 - x0) * 0.18 : x0 + rng.next() * (x1 - x0);
    const lat = near ? p.centre[1] + rng.gauss() * (y1 - y0) * 0.18 : y0 + rng.next() * (y1 - y0);
    const pt: [number, number] = [round6(lon), round6(lat)];
    if (communeAt(pt[0], pt[1])?.code === p.code) return pt;
  }
  return [round6(p.centre[0]), round6(p.centre[1])];
}

type Fate = 'published' | 'pending' | 'rejected';

interface Planned {
  author: string;
  lon: number;
  lat: number;
  category: string;
  description: string;
  /** Days before the seed's "now" it was seen, and the hour (Paris-ish) of the day. */
  ageDays: number;
  hour: number;
  fate: Fate;
  confirmers: string[];
  resolve: boolean;
  moderationHours: number;
  photo: boolean;
}

/** The whole plan, from the generator alone (no dates yet, no database): the same every run. */
export function demoObservationPlan(placeList: readonly Place[]): Planned[] {
  const rng = generator(20261128);
  const authors: [string, number][] = [
    ...demoResidents.map((r) => [r.email, r.activity] as [string, number]),
    [DEMO_CITIZEN, CITIZEN_ACTIVITY],
  ];
  const newcomers: string[] = demoResidents.filter((r) => 'newcomer' in r).map((r) => r.email);
  const confirmers = demoResidents.filter((r) => !('newcomer' in r)).map((r) => r.email);
  const placeWeights = placeList.map((p) => [p, p.weight] as const);
  const plan: Planned[] = [];
  // Confirmations between two accounts, both directions: kept under the mutual-confirmation
  // limit (more than 5 within 7 days is flagged, and the seed writes them all on one day).
  const pairs = new Map<string, number>();
  const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
  let photos = 0;
  const one = (author: string, fate: Fate, ageDays: number): Planned => {
    const place = rng.weighted(placeWeights);
    const category = rng.weighted(categoryWeights);
    const [lon, lat] = pointIn(rng, place);
    const description = describeProblem(rng, category, place.code);
    // A waiting one has at most one confirmation: still "to confirm" (a second would make it
    // confirmed, served first in the queue, ahead of what residents report in the demo).
    const wanted =
      fate === 'pending' ? (rng.next() < 0.5 ? 1 : 0) : rng.next() < 0.35 ? 1 + rng.int(3) : 0;
    const chosen: string[] = [];
    for (let i = 0; i < 10 && chosen.length < wanted; i++) {
      const c = rng.pick(confirmers);
      if (c === author || chosen.includes(c) || (pairs.get(pairKey(c, author)) ?? 0) >= 4) continue;
      chosen.push(c);
      pairs.set(pairKey(c, author), (pairs.get(pairKey(c, author)) ?? 0) + 1);
    }
    const resolve = fate === 'published' && ageDays > 21 && rng.next() < resolvedShare[category]!;
    // Photos for what can be drawn (a few per demo).
    const photo = fate !== 'rejected' && photos < 10 && category in drawings && rng.next() < 0.1;
    if (photo) photos++;
    return {
      author,
      lon,
      lat,
      category,
      description,
      ageDays,
      hour: 7 + rng.int(14),
      fate,
      confirmers: chosen,
      resolve,
      moderationHours: 2 + rng.int(70),
      photo,
    };
  };
  for (const [author, activity] of authors) {
    for (let i = 0; i < activity; i++) {
      // More reports lately (the service got known): ages skewed toward the present.
      const ageDays = 2 + Math.floor(Math.pow(rng.next(), 1.4) * (SPAN_DAYS - 2));
      plan.push(one(author, 'published', ageDays));
    }
  }
  for (let i = 0; i < REJECTED; i++)
    plan.push(one(newcomers[i % newcomers.length]!, 'rejected', 30 + rng.int(300)));
  // The waiting ones: the last six days (a few late for review), by the newcomers (not
  // trusted: no auto-approval).
  for (let i = 0; i < PENDING; i++)
    plan.push(one(newcomers[i % newcomers.length]!, 'pending', rng.int(6)));
  // In the order things happened: trust, balances and confirmations build up as they would.
  return plan.sort((a, b) => b.ageDays - a.ageDays || b.hour - a.hour);
}

/** What the demo photos show, per category: a drawn scene, not a real picture. */
const drawings: Record<string, string> = {
  voirie:
    '<ellipse cx="400" cy="440" rx="190" ry="70" fill="#2b2b2b"/><ellipse cx="400" cy="432" rx="160" ry="50" fill="#4a3f35"/>',
  eclairage_public:
    '<rect x="385" y="110" width="30" height="430" fill="#4d4d4d"/><rect x="330" y="92" width="140" height="36" rx="12" fill="#333"/><ellipse cx="400" cy="135" rx="40" ry="10" fill="#777"/>',
  proprete:
    '<rect x="230" y="330" width="320" height="170" fill="#6d5840"/><rect x="250" y="300" width="180" height="40" fill="#8a7a66"/><circle cx="580" cy="470" r="60" fill="#222"/><circle cx="190" cy="480" r="45" fill="#1f1f1f"/>',
  mobilier_urbain:
    '<rect x="200" y="360" width="400" height="28" fill="#7a5a3a"/><rect x="200" y="320" width="180" height="24" fill="#7a5a3a"/><rect x="230" y="388" width="22" height="100" fill="#444"/><rect x="550" y="388" width="22" height="100" fill="#444"/>',
  arbres_espaces_verts:
    '<rect x="380" y="290" width="44" height="260" fill="#5b3b1f"/><circle cx="400" cy="240" r="150" fill="#3f7a34"/><rect x="424" y="300" width="150" height="18" fill="#5b3b1f" transform="rotate(25 424 300)"/>',
};

/** A small photo of what was reported: a drawn scene with some grain (cheap, a few per demo). */
async function demoPhoto(category: string, seed: number): Promise<Buffer> {
  const sky = 190 + (seed % 40);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
    <defs><linearGradient id="s" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="rgb(${sky - 60},${sky - 30},${sky})"/><stop offset="1" stop-color="rgb(${sky},${sky},${sky - 10})"/></linearGradient></defs>
    <rect width="800" height="600" fill="url(#s)"/>
    <rect x="0" y="150" width="220" height="250" fill="#b9a48a"/><rect x="600" y="120" width="200" height="280" fill="#c8b9a2"/>
    <rect y="390" width="800" height="210" fill="#8c8c88"/>
    ${drawings[category] ?? ''}
  </svg>`;
  const grain = await sharp({
    create: {
      width: 800,
      height: 600,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 28 },
    },
  })
    .png()
    .toBuffer();
  return sharp(Buffer.from(svg))
    .composite([{ input: grain, blend: 'soft-light' }])
    .blur(0.6)
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** Stores the bytes as a finished photo upload of `ownerId` (checked by submitObservation). */
async function photoUpload(
  db: DB,
  storage: ObjectStorage,
  ownerId: string,
  bytes: Buffer,
): Promise<string> {
  const id = randomBytes(16).toString('hex');
  const key = storage.tusKey(id);
  await storage.put(key, bytes, { contentType: 'image/jpeg' });
  await db
    .insertInto('upload')
    .values({
      id,
      owner_id: ownerId,
      purpose: 'photo',
      filename: 'photo.jpg',
      declared_size: bytes.length,
      offset: bytes.length,
      status: 'complete',
      storage_key: key,
      expires_at: new Date(Date.now() + DAY),
    })
    .execute();
  return id;
}

/** The residents' accounts (created once, dated two years back: old enough for their confirmations to count). */
async function residentIds(db: DB, now: Date): Promise<Map<string, string>> {
  const terms = await currentTermsVersion(db);
  const ids = new Map<string, string>();
  for (const r of demoResidents) {
    const found = await db
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', r.email)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    const id =
      found?.id ??
      (
        await db
          .insertInto('users')
          .values({
            email: r.email,
            pseudonym: r.pseudonym,
            // No password: a demo resident cannot sign in (the demo citizen can).
            password_hash: null,
            email_verified_at: new Date(now.getTime() - 730 * DAY),
            is_demo: true,
            terms_version: terms,
            terms_accepted_at: new Date(now.getTime() - 730 * DAY),
            created_at: new Date(now.getTime() - 730 * DAY),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    // Fictitious people: their notifications stay in the app, no email is queued.
    await db
      .insertInto('notification_preference')
      .values({ user_id: id, email_mode: 'off' })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    ids.set(r.email, id);
  }
  return ids;
}

/** "Review next" until ours comes (others are put back), as the catalogue seed does. */
async function claim(db: DB, m: Moderator, id: string): Promise<ClaimedItem> {
  const others: ClaimedItem[] = [];
  let found: ClaimedItem | null = null;
  for (let i = 0; i < 100; i++) {
    const next = await claimNextContribution(db, m, { kind: 'observation' });
    if (!next || next.id === id) {
      found = next;
      break;
    }
    others.push(next);
  }
  for (const o of others) await releaseClaim(db, m, o.id);
  if (!found) throw new Error(`the demo moderator could not claim observation ${id}`);
  return found;
}

const t = (key: string) => key;

export interface DemoObservationsOptions {
  storage: ObjectStorage;
  now?: Date;
}

/**
 * Seeds the demo observations (about 20 to 40 seconds at the first start: some 1 500 small
 * transactions of the domain flow, the database's time; nothing at the next ones).
 */
export async function seedDemoObservations(db: DB, opts: DemoObservationsOptions): Promise<void> {
  const now = opts.now ?? new Date();
  const users = new Map(
    (
      await db
        .selectFrom('users')
        .select(['id', 'email'])
        .where('email', 'in', [DEMO_CITIZEN, DEMO_MODERATOR])
        .where('deleted_at', 'is', null)
        .execute()
    ).map((u) => [u.email, u.id]),
  );
  const moderatorId = users.get(DEMO_MODERATOR);
  const moderator = moderatorId ? await loadModerator(db, moderatorId) : null;
  if (!moderator || !users.get(DEMO_CITIZEN))
    throw new Error('the demo citizen or moderator is missing: seed the identity demo first');
  for (const [email, id] of await residentIds(db, now)) users.set(email, id);

  const plan = demoObservationPlan(await places(db));
  const authorIds = [...new Set(plan.map((p) => users.get(p.author)!))];
  // What a previous run already created: an observation is known by its author and point.
  const existing = new Map(
    (
      await db
        .selectFrom('observation as o')
        .innerJoin('contribution as c', 'c.id', 'o.id')
        .select(['o.id', 'o.lon', 'o.lat', 'c.submitter_id', 'c.state'])
        .where('c.submitter_id', 'in', authorIds)
        .execute()
    ).map((r) => [`${r.submitter_id} ${r.lon} ${r.lat}`, r]),
  );

  // A category an admin has since switched off is skipped (nothing can be reported in it).
  const active = new Set(
    (
      await db
        .selectFrom('observation_category')
        .select('code')
        .where('active', '=', true)
        .execute()
    ).map((c) => c.code),
  );

  for (const [i, p] of plan.entries()) {
    if (!active.has(p.category)) continue;
    const authorId = users.get(p.author)!;
    const key = `${authorId} ${p.lon} ${p.lat}`;
    const seenAt = new Date(
      now.getTime() -
        p.ageDays * DAY -
        ((now.getUTCHours() - p.hour + 24) % 24) * HOUR +
        (i % 60) * 60_000,
    );
    const observedAt =
      seenAt.getTime() > now.getTime() - HOUR ? new Date(now.getTime() - 2 * HOUR) : seenAt;
    const found = existing.get(key);
    // Done already (a run that stopped halfway left at most a waiting one to decide).
    if (found && !(found.state === 'submitted' && p.fate !== 'pending')) continue;

    let id = found?.id;
    let state = found?.state;
    if (!id) {
      const photoUploadId = p.photo
        ? await photoUpload(db, opts.storage, authorId, await demoPhoto(p.category, i))
        : undefined;
      const r = await submitObservation(
        db,
        { id: authorId },
        {
          lon: String(p.lon),
          lat: String(p.lat),
          category: p.category,
          description: p.description,
          observedAt: observedAt.toISOString(),
          photoUploadId,
        },
        // A few auto-approvals are sampled for after-the-fact review (deterministically).
        { t, storage: opts.storage, auditShare: i % 40 === 0 ? 1 : 0, now: () => now },
      );
      id = r.id;
      state = r.state;
      // The photo job's work, done here so the photo shows at once (the job then finds it done).
      if (photoUploadId) await processObservationPhoto(db, { storage: opts.storage }, id);
      // Only confirmations that count: a resident not yet in good standing (no points yet,
      // early in the story) leaves it to others, so no page shows confirmations weighing nothing.
      for (const c of p.confirmers)
        if ((await confirmationWeight(db, users.get(c)!)) > 0)
          await confirmObservation(db, users.get(c)!, id);
    }
    if (state === 'submitted' && p.fate !== 'pending') {
      const claimed = await claim(db, moderator, id);
      if (p.fate === 'rejected') {
        await rejectContribution(db, moderator, id, {
          reasonCode: 'duplicate',
          comment:
            'Déjà signalé par un autre habitant au même endroit : nous suivons le premier signalement.',
          expectedVersion: claimed.version,
        });
      } else {
        await approveContribution(db, moderator, id, { expectedVersion: claimed.version });
      }
      state = p.fate === 'rejected' ? 'rejected' : 'published';
    }
    if (state === 'published' && p.resolve) await resolveObservations(db, moderator, [id]);

    // The dates, moved back to when it happened (see the header).
    const submittedAt = new Date(
      Math.min(observedAt.getTime() + (10 + (i % 50) * 3) * 60_000, now.getTime() - HOUR),
    );
    const decidedAt = new Date(
      Math.min(submittedAt.getTime() + p.moderationHours * HOUR, now.getTime() - 30 * 60_000),
    );
    const autoApproved = await db
      .selectFrom('contribution')
      .select('audit_pending')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const publishedAt = autoApproved.audit_pending ? submittedAt : decidedAt;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('contribution')
        .set({
          created_at: submittedAt,
          submitted_at: submittedAt,
          ...(state === 'published' ? { approved_at: publishedAt, updated_at: publishedAt } : {}),
          ...(state === 'rejected' ? { updated_at: decidedAt } : {}),
        })
        .where('id', '=', id)
        .execute();
      await trx
        .updateTable('observation')
        .set({
          created_at: submittedAt,
          ...(state === 'published' ? { published_at: publishedAt } : {}),
        })
        .where('id', '=', id)
        .execute();
      // Confirmations came in while it waited (or in the days after it went public).
      const span = Math.max(decidedAt.getTime() - submittedAt.getTime(), 6 * HOUR);
      for (const [k, c] of p.confirmers.entries()) {
        const at = new Date(
          Math.min(
            submittedAt.getTime() + (span * (k + 1)) / (p.confirmers.length + 1),
            now.getTime() - 15 * 60_000,
          ),
        );
        await trx
          .updateTable('confirmation')
          .set({ created_at: at })
          .where('observation_id', '=', id)
          .where('user_id', '=', users.get(c)!)
          .execute();
      }
    });
  }
}
