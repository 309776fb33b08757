// The validation report stored with each upload: one versioned, documented JSON shape
// (docs/validation-report.md). Safe for the browser: zod only, no Node imports.
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = 1 as const;

/** A reason or a warning: a stable code, a French and an English sentence, and details. */
export const messageSchema = z.looseObject({
  code: z.string(),
  fr: z.string(),
  en: z.string(),
});
export type ReportMessage = z.infer<typeof messageSchema>;

export const detectedFormatSchema = z.enum([
  'csv',
  'json',
  'geojson',
  'xlsx',
  'ods',
  'zip',
  'parquet',
  'pdf',
  'empty',
  'image',
  'executable',
  'binary',
  'unknown',
]);
export type DetectedFormat = z.infer<typeof detectedFormatSchema>;

export const columnTypeSchema = z.enum([
  'integer',
  'decimal',
  'boolean',
  'date',
  'datetime',
  'text',
  'empty',
]);
export type ColumnType = z.infer<typeof columnTypeSchema>;

export const columnFormatCodeSchema = z.enum([
  'insee_commune_code',
  'postal_code',
  'departement_code',
  'region_code',
  'siren',
  'siret',
  'email',
  'phone_fr',
  'url',
  'uuid',
  'latitude_wgs84',
  'longitude_wgs84',
  'lambert93_x',
  'lambert93_y',
  'year',
  'percentage',
  'amount_eur',
  'date_fr',
  'date_fr_text',
  'date_iso',
  'datetime_iso',
]);
export type ColumnFormatCode = z.infer<typeof columnFormatCodeSchema>;

const numberOrString = z.union([z.number(), z.string()]);

export const columnReportSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  type: columnTypeSchema,
  /** Only for decimals: the separator seen in the values. */
  decimalSeparator: z.enum(['.', ',']).nullable(),
  nonEmptyCount: z.number().int(),
  emptyCount: z.number().int(),
  /** HyperLogLog estimate (precision 12, about 1.6 % standard error); exact below a few hundred. */
  distinctEstimate: z.number().int(),
  /** Numbers as numbers; dates as ISO `YYYY-MM-DD`; datetimes as ISO `YYYY-MM-DDTHH:MM:SS`. */
  min: numberOrString.nullable(),
  max: numberOrString.nullable(),
  /** The recognised format that fits best, with the share of non-empty values matching it. */
  format: z.object({ code: columnFormatCodeSchema, share: z.number() }).nullable(),
  /** Every format that fits at least 90 % of the non-empty values. */
  formatCandidates: z.array(z.object({ code: columnFormatCodeSchema, share: z.number() })),
  personalData: z.enum(['email', 'phone', 'person_name']).nullable(),
});
export type ColumnReport = z.infer<typeof columnReportSchema>;

export const tableReportSchema = z.object({
  columnCount: z.number().int(),
  rowCount: z.number().int(),
  columns: z.array(columnReportSchema),
  /** Up to 20 data rows, decoded. */
  sample: z.array(z.array(z.string())),
});

export const csvReportSchema = tableReportSchema.extend({
  encoding: z.enum(['utf-8', 'utf-8-bom', 'windows-1252']),
  /** True when bytes that are not valid UTF-8 appear after a start that was. */
  mixedEncoding: z.boolean(),
  delimiter: z.enum([',', ';', '\t', '|']).nullable(),
  quoted: z.boolean(),
  lineEnding: z.enum(['lf', 'crlf', 'cr', 'mixed', 'none']),
  /** 1-based physical line of the header, null when the file has no header row. */
  headerLine: z.number().int().nullable(),
  linesBeforeHeader: z.number().int(),
  header: z.array(z.string()),
  emptyRows: z.number().int(),
  duplicateRows: z.object({
    count: z.number().int(),
    /** Exact on 52-bit row hashes (sorted batches merged into a sorted set). */
    method: z.literal('sorted-hash-set-52'),
    /** False when more distinct rows were seen than the set holds: count is then a lower bound. */
    exact: z.boolean(),
    capacity: z.number().int(),
  }),
  raggedRows: z.object({ count: z.number().int(), firstLines: z.array(z.number().int()) }),
  leadingEmptyColumns: z.number().int(),
  trailingEmptyColumns: z.number().int(),
  /** Columns past this many are counted but not analysed. */
  analysedColumns: z.number().int(),
});
export type CsvReport = z.infer<typeof csvReportSchema>;

export const bboxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const geojsonReportSchema = z.object({
  rootType: z.string().nullable(),
  featureCount: z.number().int(),
  geometryTypes: z.record(z.string(), z.number().int()),
  nullGeometries: z.number().int(),
  invalidGeometries: z.object({
    count: z.number().int(),
    unclosedRings: z.number().int(),
    tooShortRings: z.number().int(),
    badPositions: z.number().int(),
    wrongNesting: z.number().int(),
    /** 0-based feature indexes, first 10. */
    firstFeatures: z.array(z.number().int()),
  }),
  swappedCoordinatesSuspected: z.number().int(),
  bbox: bboxSchema.nullable(),
  insideTerritory: z.object({
    territory: z.string(),
    /** Features whose representative point (centre of their bounding box) lies in one of the communes. */
    count: z.number().int(),
    share: z.number().nullable(),
    method: z.literal('bbox-centre-in-commune-polygon'),
  }),
  properties: z.array(
    z.object({
      key: z.string(),
      types: z.record(z.string(), z.number().int()),
      presentIn: z.number().int(),
    }),
  ),
  propertiesTruncated: z.boolean(),
});
export type GeojsonReport = z.infer<typeof geojsonReportSchema>;

export const jsonReportSchema = z.object({
  topLevel: z.enum(['object', 'array', 'string', 'number', 'boolean', 'null']).nullable(),
  /** Length of the top-level array. */
  arrayLength: z.number().int().nullable(),
  /** Types of the items of the top-level array. */
  itemTypes: z.record(z.string(), z.number().int()),
  /** Keys of the top-level object with the type of their value, and the length when it is an array. */
  keys: z.array(
    z.object({ key: z.string(), type: z.string(), arrayLength: z.number().int().nullable() }),
  ),
  keysTruncated: z.boolean(),
  maxDepth: z.number().int(),
});
export type JsonReport = z.infer<typeof jsonReportSchema>;

export const spreadsheetReportSchema = z.object({
  sheets: z.array(
    z.object({
      name: z.string(),
      rowCount: z.number().int(),
      header: z.array(z.string()),
      truncated: z.boolean(),
    }),
  ),
  /** Column analysis of the first sheet (first row as header). */
  firstSheet: tableReportSchema.nullable(),
});
export type SpreadsheetReport = z.infer<typeof spreadsheetReportSchema>;

export const zipReportSchema = z.object({
  entryCount: z.number().int(),
  totalCompressedBytes: z.number(),
  totalUncompressedBytes: z.number(),
  entries: z.array(
    z.object({
      name: z.string(),
      compressedBytes: z.number(),
      uncompressedBytes: z.number(),
      directory: z.boolean(),
    }),
  ),
  entriesTruncated: z.boolean(),
  shapefiles: z.array(
    z.object({ base: z.string(), parts: z.array(z.string()), complete: z.boolean() }),
  ),
  bomb: z.boolean(),
});
export type ZipReport = z.infer<typeof zipReportSchema>;

export const parquetReportSchema = z.object({
  rowCount: z.number(),
  rowGroups: z.number().int(),
  createdBy: z.string().nullable(),
  columns: z.array(
    z.object({
      name: z.string(),
      physicalType: z.string().nullable(),
      logicalType: z.string().nullable(),
      repetition: z.string().nullable(),
    }),
  ),
});
export type ParquetReport = z.infer<typeof parquetReportSchema>;

export const pdfReportSchema = z.object({
  version: z.string().nullable(),
  pageCount: z.number().int().nullable(),
  encrypted: z.boolean(),
});
export type PdfReport = z.infer<typeof pdfReportSchema>;

export const capsSchema = z.object({
  /** Bytes kept in memory to sniff the format, encoding, delimiter and header. */
  sniffBytes: z.number().int(),
  maxColumns: z.number().int(),
  duplicateSetCapacity: z.number().int(),
  maxCellBytes: z.number().int(),
  zipMaxEntries: z.number().int(),
  zipMaxTotalUncompressedBytes: z.number(),
  zipMaxRatio: z.number(),
  /** Decompressed bytes read from one archive entry (XLSX/ODS parts). */
  archiveEntryReadBytes: z.number(),
  spreadsheetMaxRows: z.number().int(),
  sharedStringsMaxBytes: z.number(),
  parquetFooterMaxBytes: z.number().int(),
  pdfObjectStreamScanBytes: z.number(),
});
export type InspectionCaps = z.infer<typeof capsSchema>;

export const validationReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  generatedAt: z.string(),
  durationMs: z.number(),
  file: z.object({
    name: z.string(),
    sizeBytes: z.number(),
    extension: z.string().nullable(),
    detectedFormat: detectedFormatSchema,
    mediaType: z.string().nullable(),
  }),
  verdict: z.enum(['verified', 'invalid']),
  reasons: z.array(messageSchema),
  warnings: z.array(messageSchema),
  caps: capsSchema,
  csv: csvReportSchema.optional(),
  geojson: geojsonReportSchema.optional(),
  json: jsonReportSchema.optional(),
  spreadsheet: spreadsheetReportSchema.optional(),
  zip: zipReportSchema.optional(),
  parquet: parquetReportSchema.optional(),
  pdf: pdfReportSchema.optional(),
});
export type ValidationReport = z.infer<typeof validationReportSchema>;
