// The files of a contribution as contributors and moderators read them: status, progress
// and the validation report summarised (verdict, reasons, warnings, key figures).
import type { DB } from '#db/client';
import type { ValidationReport } from '../validation/report.schema';

export interface ReportMessage {
  code: string;
  fr: string;
  en: string;
}

export interface FileItem {
  id: string;
  filename: string;
  status: 'uploading' | 'complete' | 'verified' | 'invalid';
  declaredSize: number;
  offset: number;
  sha256: string | null;
  detectedFormat: string | null;
  reasons: ReportMessage[];
  warnings: ReportMessage[];
  facts: { key: string; value: string | number }[];
  /** Column names from the report (CSV header, first sheet, GeoJSON properties), for prefilling. */
  columns: string[];
}

interface StoredReport {
  reasons?: ReportMessage[];
  warnings?: ReportMessage[];
  validation?: ValidationReport;
}

export function summarizeReport(report: unknown): Pick<FileItem, 'reasons' | 'warnings' | 'facts' | 'columns'> {
  const r = (report ?? {}) as StoredReport;
  const v = r.validation;
  const facts: FileItem['facts'] = [];
  let columns: string[] = [];
  if (v?.csv) {
    facts.push({ key: 'rows', value: v.csv.rowCount }, { key: 'columns', value: v.csv.columnCount });
    facts.push({ key: 'encoding', value: v.csv.encoding });
    if (v.csv.delimiter) facts.push({ key: 'delimiter', value: v.csv.delimiter === '\t' ? 'tab' : v.csv.delimiter });
    if (v.csv.headerLine) facts.push({ key: 'headerLine', value: v.csv.headerLine });
    columns = v.csv.header;
  } else if (v?.geojson) {
    facts.push({ key: 'features', value: v.geojson.featureCount });
    const share = v.geojson.insideTerritory?.share;
    if (share !== null && share !== undefined) facts.push({ key: 'insideTerritory', value: `${Math.round(share * 100)} %` });
    columns = v.geojson.properties.map((p) => p.key);
  } else if (v?.spreadsheet?.sheets[0]) {
    facts.push({ key: 'sheets', value: v.spreadsheet.sheets.length }, { key: 'rows', value: v.spreadsheet.sheets[0].rowCount });
    columns = v.spreadsheet.sheets[0].header;
  } else if (v?.json) {
    if (v.json.arrayLength !== null) facts.push({ key: 'items', value: v.json.arrayLength });
  } else if (v?.parquet) {
    facts.push({ key: 'rows', value: v.parquet.rowCount });
    columns = v.parquet.columns.map((c) => c.name);
  } else if (v?.pdf?.pageCount) {
    facts.push({ key: 'pages', value: v.pdf.pageCount });
  } else if (v?.zip) {
    facts.push({ key: 'entries', value: v.zip.entryCount });
  }
  return { reasons: r.reasons ?? [], warnings: r.warnings ?? [], facts, columns };
}

export async function revisionFiles(db: DB, revisionId: string): Promise<FileItem[]> {
  const rows = await db
    .selectFrom('revision_upload')
    .innerJoin('upload', 'upload.id', 'revision_upload.upload_id')
    .select([
      'upload.id',
      'upload.filename',
      'upload.status',
      'upload.declared_size',
      'upload.offset',
      'upload.sha256',
      'upload.detected_format',
      'upload.report',
    ])
    .where('revision_upload.revision_id', '=', revisionId)
    .orderBy('revision_upload.position')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    filename: r.filename,
    status: r.status as FileItem['status'],
    declaredSize: r.declared_size,
    offset: r.offset,
    sha256: r.sha256,
    detectedFormat: r.detected_format,
    ...summarizeReport(r.report),
  }));
}
