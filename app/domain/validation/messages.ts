// Every reason and warning the inspector can give, in French (first) and English. Codes are
// stable: the UI and the API may key on them; the sentences may be reworded.
import type { ReportMessage } from './report.schema';

type Details = Record<string, string | number | boolean | null | number[] | string[]>;
type Texts = (d: Details) => { fr: string; en: string };

const s = (v: Details[string] | undefined): string =>
  Array.isArray(v) ? v.join(', ') : String(v ?? '');
const pct = (v: Details[string] | undefined): string =>
  `${Math.round(Number(v ?? 0) * 1000) / 10} %`;

const catalogue = {
  // Reasons (the file is invalid).
  empty_file: () => ({ fr: 'Le fichier est vide.', en: 'The file is empty.' }),
  format_mismatch: (d) => ({
    fr: `Le contenu est au format ${s(d.detected)} alors que le nom annonce ${s(d.extension)}.`,
    en: `The content is ${s(d.detected)} while the name says ${s(d.extension)}.`,
  }),
  executable_content: () => ({
    fr: 'Le fichier est un programme exécutable : il est refusé.',
    en: 'The file is an executable program: it is refused.',
  }),
  binary_content: () => ({
    fr: 'Le fichier contient des données binaires, pas du texte.',
    en: 'The file holds binary data, not text.',
  }),
  unsupported_format: (d) => ({
    fr: `Le format ${s(d.detected)} n'est pas accepté pour un jeu de données.`,
    en: `The format ${s(d.detected)} is not accepted for a dataset.`,
  }),
  json_syntax_error: (d) => ({
    fr: `JSON invalide à l'octet ${s(d.offset)} (ligne ${s(d.line)}) : ${s(d.detail)}.`,
    en: `Invalid JSON at byte ${s(d.offset)} (line ${s(d.line)}): ${s(d.detail)}.`,
  }),
  geojson_not_feature_collection: (d) => ({
    fr: `Un GeoJSON doit être une FeatureCollection (RFC 7946) ; type trouvé : ${s(d.found)}.`,
    en: `A GeoJSON file must be a FeatureCollection (RFC 7946); found type: ${s(d.found)}.`,
  }),
  geojson_invalid_geometries: (d) => ({
    fr: `${s(d.count)} géométrie(s) invalide(s) (anneaux non fermés : ${s(d.unclosedRings)}, positions incorrectes : ${s(d.badPositions)}), par exemple l'objet n° ${s(d.firstFeatures)}.`,
    en: `${s(d.count)} invalid geometr(y/ies) (unclosed rings: ${s(d.unclosedRings)}, bad positions: ${s(d.badPositions)}), e.g. feature #${s(d.firstFeatures)}.`,
  }),
  geojson_not_wgs84: () => ({
    fr: 'Les coordonnées ne sont pas en longitude/latitude WGS84 comme l’exige la RFC 7946 (projection Lambert-93 ?).',
    en: 'Coordinates are not WGS84 longitude/latitude as RFC 7946 requires (Lambert-93 projection?).',
  }),
  csv_no_rows: () => ({
    fr: 'Le fichier ne contient aucune ligne de données.',
    en: 'The file holds no data row.',
  }),
  archive_corrupt: (d) => ({
    fr: `L'archive est tronquée ou corrompue : ${s(d.detail)}.`,
    en: `The archive is truncated or corrupt: ${s(d.detail)}.`,
  }),
  archive_bomb: (d) => ({
    fr: `Archive refusée (bombe de décompression) : ${s(d.detail)}.`,
    en: `Archive refused (decompression bomb): ${s(d.detail)}.`,
  }),
  archive_encrypted: () => ({
    fr: "L'archive est chiffrée : son contenu ne peut pas être vérifié.",
    en: 'The archive is encrypted: its content cannot be checked.',
  }),
  spreadsheet_corrupt: (d) => ({
    fr: `Le classeur est illisible : ${s(d.detail)}.`,
    en: `The spreadsheet cannot be read: ${s(d.detail)}.`,
  }),
  parquet_corrupt: (d) => ({
    fr: `Le fichier Parquet est illisible : ${s(d.detail)}.`,
    en: `The Parquet file cannot be read: ${s(d.detail)}.`,
  }),
  pdf_corrupt: (d) => ({
    fr: `Le PDF est illisible : ${s(d.detail)}.`,
    en: `The PDF cannot be read: ${s(d.detail)}.`,
  }),
  inspection_failed: (d) => ({
    fr: `L'analyse du fichier a échoué : ${s(d.detail)}.`,
    en: `Inspecting the file failed: ${s(d.detail)}.`,
  }),

  // Warnings (the file is accepted; the contributor and the moderator should know).
  unknown_extension: (d) => ({
    fr: `Extension « ${s(d.extension)} » inhabituelle ; contenu reconnu : ${s(d.detected)}.`,
    en: `Unusual extension "${s(d.extension)}"; content recognised as ${s(d.detected)}.`,
  }),
  format_not_analysed: (d) => ({
    fr: `Le format ${s(d.detected)} est reconnu mais son contenu n'est pas analysé.`,
    en: `The format ${s(d.detected)} is recognised but its content is not analysed.`,
  }),
  encoding_windows_1252: () => ({
    fr: 'Encodage Windows-1252 (export de tableur) : préférez UTF-8.',
    en: 'Windows-1252 encoding (spreadsheet export): UTF-8 is preferred.',
  }),
  encoding_mixed: (d) => ({
    fr: `Encodages mélangés : octets non UTF-8 à partir de l'octet ${s(d.offset)}.`,
    en: `Mixed encodings: bytes that are not UTF-8 from byte ${s(d.offset)} on.`,
  }),
  header_not_first_line: (d) => ({
    fr: `L'en-tête est à la ligne ${s(d.line)} : les lignes précédentes (titre ?) sont ignorées.`,
    en: `The header is on line ${s(d.line)}: the lines before it (a title?) are ignored.`,
  }),
  no_header: () => ({
    fr: "Aucune ligne d'en-tête reconnue : les colonnes sont nommées column_1, column_2…",
    en: 'No header row recognised: columns are named column_1, column_2…',
  }),
  single_column: () => ({
    fr: 'Une seule colonne détectée : le séparateur est peut-être inhabituel.',
    en: 'Only one column detected: the delimiter may be unusual.',
  }),
  duplicate_header: (d) => ({
    fr: `Noms de colonnes en double : ${s(d.names)}.`,
    en: `Duplicate column names: ${s(d.names)}.`,
  }),
  empty_header: (d) => ({
    fr: `Colonnes sans nom : n° ${s(d.columns)}.`,
    en: `Columns without a name: #${s(d.columns)}.`,
  }),
  ragged_rows: (d) => ({
    fr: `${s(d.count)} ligne(s) n'ont pas le nombre de champs de l'en-tête (${s(d.expected)}), par exemple les lignes ${s(d.firstLines)}.`,
    en: `${s(d.count)} row(s) do not have the header's number of fields (${s(d.expected)}), e.g. lines ${s(d.firstLines)}.`,
  }),
  duplicate_rows: (d) => ({
    fr: `${s(d.count)} ligne(s) en double.`,
    en: `${s(d.count)} duplicate row(s).`,
  }),
  empty_rows: (d) => ({
    fr: `${s(d.count)} ligne(s) vide(s).`,
    en: `${s(d.count)} empty row(s).`,
  }),
  empty_columns_edge: (d) => ({
    fr: `Colonnes vides en bordure : ${s(d.leading)} au début, ${s(d.trailing)} à la fin.`,
    en: `Empty columns at the edges: ${s(d.leading)} leading, ${s(d.trailing)} trailing.`,
  }),
  too_many_columns: (d) => ({
    fr: `${s(d.count)} colonnes : seules les ${s(d.analysed)} premières sont analysées.`,
    en: `${s(d.count)} columns: only the first ${s(d.analysed)} are analysed.`,
  }),
  cell_truncated: (d) => ({
    fr: `${s(d.count)} cellule(s) dépassent ${s(d.maxBytes)} octets : seul leur début est analysé.`,
    en: `${s(d.count)} cell(s) exceed ${s(d.maxBytes)} bytes: only their start is analysed.`,
  }),
  unterminated_quote: () => ({
    fr: 'Un guillemet ouvert n’est jamais refermé : la fin du fichier est lue comme une seule cellule.',
    en: 'A quote is never closed: the end of the file is read as a single cell.',
  }),
  personal_data: (d) => ({
    fr: `Données personnelles probables (${s(d.kind)}) dans la colonne « ${s(d.column)} » : une seconde relecture sera demandée.`,
    en: `Probable personal data (${s(d.kind)}) in column "${s(d.column)}": a second review will be required.`,
  }),
  geojson_outside_territory: (d) => ({
    fr: `${pct(d.share)} des objets seulement sont dans la Métropole de Lyon.`,
    en: `Only ${pct(d.share)} of the features lie in the Métropole de Lyon.`,
  }),
  geojson_swapped_coordinates: (d) => ({
    fr: `${s(d.count)} objet(s) semblent avoir latitude et longitude inversées.`,
    en: `${s(d.count)} feature(s) seem to have latitude and longitude swapped.`,
  }),
  geojson_crs_member: () => ({
    fr: 'Le membre « crs » est obsolète depuis la RFC 7946.',
    en: 'The "crs" member is obsolete since RFC 7946.',
  }),
  geojson_null_geometries: (d) => ({
    fr: `${s(d.count)} objet(s) sans géométrie.`,
    en: `${s(d.count)} feature(s) without geometry.`,
  }),
  geojson_no_features: () => ({
    fr: 'La FeatureCollection ne contient aucun objet.',
    en: 'The FeatureCollection holds no feature.',
  }),
  shapefile_incomplete: (d) => ({
    fr: `Shapefile « ${s(d.base)} » incomplet : il manque ${s(d.missing)}.`,
    en: `Shapefile "${s(d.base)}" is incomplete: ${s(d.missing)} missing.`,
  }),
  spreadsheet_truncated: (d) => ({
    fr: `Classeur lu en partie seulement (limite de ${s(d.limit)} atteinte).`,
    en: `Spreadsheet read in part only (limit of ${s(d.limit)} reached).`,
  }),
  pdf_page_count_unknown: () => ({
    fr: 'Le nombre de pages du PDF n’a pas pu être déterminé.',
    en: 'The PDF page count could not be determined.',
  }),
  pdf_encrypted: () => ({
    fr: 'Le PDF est chiffré.',
    en: 'The PDF is encrypted.',
  }),
} satisfies Record<string, Texts>;

export type MessageCode = keyof typeof catalogue;

export function message(code: MessageCode, details: Details = {}): ReportMessage {
  const texts = (catalogue[code] as Texts)(details);
  return { code, ...texts, ...details };
}
