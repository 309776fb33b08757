// Decoding of cell text for the report (header, sample). Node's TextDecoder treats
// 'windows-1252' as Latin-1, which loses €, œ, ’ and the other characters of 0x80–0x9F that
// French spreadsheet exports use; this maps them as the WHATWG Encoding Standard does.

const CP1252_HIGH =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

export interface TextDecoding {
  decode(bytes: Uint8Array): string;
}

export function decoderFor(encoding: 'utf-8' | 'utf-8-bom' | 'windows-1252'): TextDecoding {
  if (encoding !== 'windows-1252') return new TextDecoder('utf-8');
  return {
    decode(bytes) {
      const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
        'latin1',
      );
      return latin1.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
    },
  };
}
