// A dataset's quality score: the share of criteria it meets, each shown on its page so a
// publisher knows what to fix. Pure (no I/O): the search results and the dataset page use
// the same function on what they already loaded.

export const QUALITY_CRITERIA = [
  'licence',
  'description',
  'temporal',
  'spatial',
  'frequency',
  'openFormat',
  'files',
  'columns',
] as const;
export type QualityCriterion = (typeof QUALITY_CRITERIA)[number];

export const OPEN_FORMATS = new Set(['csv', 'tsv', 'txt', 'json', 'geojson', 'ods', 'parquet', 'xml', 'gpx', 'kml', 'gml', 'jsonl', 'ndjson']);

/** How long each declared frequency allows between two updates, with some slack. */
const FREQUENCY_DAYS: Record<string, number> = {
  daily: 3,
  weekly: 10,
  monthly: 45,
  quarterly: 120,
  annual: 400,
};

export interface QualityInput {
  metadata: {
    licence?: unknown;
    description?: unknown;
    temporalStart?: unknown;
    communes?: unknown;
    updateFrequency?: unknown;
    columns?: unknown;
  };
  formats: string[];
  fileCount: number;
  /** Column names found in the files (schema summaries), when known. */
  fileColumns?: string[];
  lastUpdate: Date;
  now?: Date;
}

export interface Quality {
  score: number;
  criteria: { key: QualityCriterion; met: boolean }[];
}

export function qualityOf(input: QualityInput): Quality {
  const m = input.metadata;
  const now = input.now ?? new Date();
  const described = new Set(
    (Array.isArray(m.columns) ? m.columns : [])
      .filter((c): c is { name: string; description: string } => Boolean(c && typeof c === 'object' && (c as { description?: unknown }).description))
      .map((c) => String(c.name)),
  );
  const fileColumns = input.fileColumns ?? [];
  const frequency = typeof m.updateFrequency === 'string' ? m.updateFrequency : '';
  const allowedDays = FREQUENCY_DAYS[frequency];
  const ageDays = (now.getTime() - input.lastUpdate.getTime()) / 86_400_000;
  const met: Record<QualityCriterion, boolean> = {
    licence: typeof m.licence === 'string' && m.licence.length > 0,
    description: typeof m.description === 'string' && m.description.trim().length >= 100,
    temporal: typeof m.temporalStart === 'string' && m.temporalStart.length > 0,
    spatial: Array.isArray(m.communes) && m.communes.length > 0,
    frequency: frequency.length > 0 && (allowedDays === undefined || ageDays <= allowedDays),
    openFormat: input.formats.some((f) => OPEN_FORMATS.has(f.toLowerCase())),
    files: input.fileCount > 0,
    columns: fileColumns.length
      ? fileColumns.filter((c) => described.has(c)).length >= Math.ceil(fileColumns.length * 0.8)
      : described.size > 0,
  };
  const criteria = QUALITY_CRITERIA.map((key) => ({ key, met: met[key] }));
  return { score: Math.round((100 * criteria.filter((c) => c.met).length) / criteria.length), criteria };
}
