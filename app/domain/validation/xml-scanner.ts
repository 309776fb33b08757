// A minimal streaming XML scanner for spreadsheet parts (XLSX sheets, ODS content.xml): tags,
// attributes and text, chunk by chunk. No DTDs, no namespaces resolution: the parts we read use
// fixed prefixes. Memory is bounded by the longest tag or text run (capped).

export interface XmlHandler {
  open(name: string, attrs: Record<string, string>, selfClosing: boolean): void;
  close(name: string): void;
  text(t: string): void;
}

const MAX_PENDING = 1024 * 1024;
const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

const ATTR = /([^\s=/]+)\s*=\s*("([^"]*)"|'([^']*)')/g;

export class XmlScanner {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  constructor(private readonly h: XmlHandler) {}

  write(bytes: Uint8Array): void {
    this.scan(this.decoder.decode(bytes, { stream: true }));
  }

  end(): void {
    this.scan(this.decoder.decode());
  }

  private scan(chunk: string): void {
    let s = this.pending + chunk;
    let i = 0;
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) {
        // Keep a possibly cut entity ("&am") for the next chunk.
        const amp = s.lastIndexOf('&');
        const cut = amp >= i && s.indexOf(';', amp) < 0 ? amp : s.length;
        if (cut > i) this.h.text(decodeEntities(s.slice(i, cut)));
        i = cut;
        break;
      }
      if (lt > i) this.h.text(decodeEntities(s.slice(i, lt)));
      i = lt;
      if (s.startsWith('<!--', i)) {
        const end = s.indexOf('-->', i + 4);
        if (end < 0) break;
        i = end + 3;
        continue;
      }
      if (s.startsWith('<![CDATA[', i)) {
        const end = s.indexOf(']]>', i + 9);
        if (end < 0) break;
        this.h.text(s.slice(i + 9, end));
        i = end + 3;
        continue;
      }
      const gt = s.indexOf('>', i);
      if (gt < 0) break;
      const tag = s.slice(i + 1, gt);
      i = gt + 1;
      if (tag.startsWith('?') || tag.startsWith('!')) continue;
      if (tag.startsWith('/')) {
        this.h.close(tag.slice(1).trim());
        continue;
      }
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const sp = body.search(/\s/);
      const name = sp < 0 ? body : body.slice(0, sp);
      const attrs: Record<string, string> = {};
      if (sp >= 0) {
        ATTR.lastIndex = sp;
        let m: RegExpExecArray | null;
        while ((m = ATTR.exec(body)) !== null) attrs[m[1]!] = decodeEntities(m[3] ?? m[4] ?? '');
      }
      this.h.open(name, attrs, selfClosing);
      if (selfClosing) this.h.close(name);
    }
    s = s.slice(i);
    // A runaway tag or text without '<' must not grow memory without bound.
    this.pending = s.length > MAX_PENDING ? '' : s;
  }
}
