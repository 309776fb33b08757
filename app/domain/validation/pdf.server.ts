// PDF page count: page objects are counted as the bytes stream past; PDFs that hide them in
// compressed object streams (PDF 1.5+) get a second, bounded pass that inflates those streams.
import { readFile, stat } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { message } from './messages';
import type { InspectionCaps, PdfReport, ReportMessage } from './report.schema';

const PAGE = /\/Type\s*\/Page(?![A-Za-z])/g;
const OVERLAP = 64;

function countPages(s: string, minEnd: number): number {
  let n = 0;
  PAGE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = PAGE.exec(s)) !== null) if (m.index + m[0].length > minEnd) n++;
  return n;
}

export class PdfScanner {
  pages = 0;
  objectStreams = 0;
  encrypted = false;
  version: string | null = null;
  private tail = '';
  private started = false;

  write(chunk: Uint8Array): void {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    if (!this.started) {
      this.started = true;
      const m = /^%PDF-(\d\.\d)/.exec(text);
      this.version = m ? m[1]! : null;
    }
    const s = this.tail + text;
    // Matches wholly inside the previous tail were counted with the previous chunk.
    this.pages += countPages(s, this.tail.length);
    this.objectStreams += (
      s.slice(Math.max(0, this.tail.length - 8)).match(/\/ObjStm/g) ?? []
    ).length;
    if (!this.encrypted && s.includes('/Encrypt')) this.encrypted = true;
    this.tail = s.slice(-OVERLAP);
  }

  get endsWithEof(): boolean {
    return /%%EOF\s*$/.test(this.tail);
  }
}

function pagesInObjectStreams(pdf: string): number {
  let pages = 0;
  const re = /\/Type\s*\/ObjStm[\s\S]{0,512}?stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(pdf)) !== null) {
    const start = m.index + m[0].length;
    const end = pdf.indexOf('endstream', start);
    if (end < 0) break;
    try {
      const inflated = inflateSync(Buffer.from(pdf.slice(start, end), 'latin1'), {
        maxOutputLength: 64 * 1024 * 1024,
      });
      pages += countPages(inflated.toString('latin1'), 0);
    } catch {
      // A stream that is not Flate or is damaged: its pages stay uncounted.
    }
    re.lastIndex = end;
  }
  return pages;
}

export async function finishPdf(
  scanner: PdfScanner,
  filePath: string | undefined,
  caps: InspectionCaps,
): Promise<{ pdf: PdfReport; reasons: ReportMessage[]; warnings: ReportMessage[] }> {
  const reasons: ReportMessage[] = [];
  const warnings: ReportMessage[] = [];
  let pages = scanner.pages;
  if (!scanner.endsWithEof)
    reasons.push(message('pdf_corrupt', { detail: 'no %%EOF marker at the end (truncated?)' }));
  if (pages === 0 && scanner.objectStreams > 0 && filePath !== undefined) {
    if ((await stat(filePath)).size <= caps.pdfObjectStreamScanBytes)
      pages = pagesInObjectStreams((await readFile(filePath)).toString('latin1'));
  }
  if (scanner.encrypted) warnings.push(message('pdf_encrypted'));
  if (pages === 0) warnings.push(message('pdf_page_count_unknown'));
  return {
    pdf: {
      version: scanner.version,
      pageCount: pages > 0 ? pages : null,
      encrypted: scanner.encrypted,
    },
    reasons,
    warnings,
  };
}
