// A push-based, byte-level JSON tokenizer (RFC 8259, strict): chunks in, SAX-like events out,
// memory bounded by the nesting depth and by a cap on the string bytes kept. Written here rather
// than taken from a library because the GeoJSON check needs no tree at all, only the events.

export interface JsonHandler {
  startObject(): void;
  endObject(): void;
  startArray(): void;
  endArray(): void;
  key(k: string): void;
  value(v: string | number | boolean | null): void;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly offset: number,
    readonly line: number,
  ) {
    super(`${detail} at byte ${offset} (line ${line})`);
  }
}

const MAX_DEPTH = 512;
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);
const KEPT_STRING_BYTES = 4096;

// Where the grammar stands.
const V_VALUE = 0; // a value is expected
const V_VALUE_OR_END = 1; // just after '[': a value or ']'
const V_KEY_OR_END = 2; // just after '{': a key or '}'
const V_KEY = 3; // after ',' in an object
const V_COLON = 4;
const V_AFTER = 5; // after a value: ',' or the closer, or the end at depth 0
const V_STRING = 6;
const V_STRING_ESCAPE = 7;
const V_STRING_UNICODE = 8;
const V_NUMBER = 9;
const V_LITERAL = 10;

const OBJ = 1;
const ARR = 2;

const NUM_START = 0;
const NUM_INT = 1;
const NUM_FRAC0 = 2;
const NUM_FRAC = 3;
const NUM_EXP0 = 4;
const NUM_EXPSIGN = 5;
const NUM_EXP = 6;
const NUM_ZERO = 7;
const NUM_MINUS = 8;

export class JsonTokenizer {
  private state = V_VALUE;
  private readonly stack = new Uint8Array(MAX_DEPTH);
  private depth = 0;
  private offset = 0;
  private line = 1;
  private readonly decoder = new TextDecoder('utf-8');
  // String being read.
  private strIsKey = false;
  private readonly strBytes = new Uint8Array(KEPT_STRING_BYTES);
  private strLen = 0;
  private strPrefix = '';
  private unicode = 0;
  private unicodeDigits = 0;
  // Number being read.
  private numState = NUM_START;
  private numNeg = false;
  private mant = 0;
  private fracDigits = 0;
  private expNeg = false;
  private exp = 0;
  // Literal being read.
  private literal = '';
  private literalPos = 0;
  sawRoot = false;

  constructor(private readonly h: JsonHandler) {}

  get maxDepthReached(): number {
    return this.maxDepth;
  }
  private maxDepth = 0;

  private fail(detail: string, i: number): never {
    throw new JsonSyntaxError(detail, this.offset + i, this.line);
  }

  write(b: Uint8Array): void {
    const n = b.length;
    let i = 0;
    while (i < n) {
      const state = this.state;
      if (state === V_STRING) {
        // Fast path: copy plain bytes until a quote, a backslash or a control character.
        let j = i;
        while (j < n) {
          const x = b[j]!;
          if (x === 34 || x === 92 || x < 0x20) break;
          j++;
        }
        this.keepBytes(b, i, j);
        if (j === n) {
          i = n;
          break;
        }
        const x = b[j]!;
        if (x === 34) {
          this.endString(j);
          i = j + 1;
        } else if (x === 92) {
          this.state = V_STRING_ESCAPE;
          i = j + 1;
        } else this.fail('control character in a string', j);
        continue;
      }
      if (state === V_NUMBER) {
        i = this.readNumber(b, i, n);
        continue;
      }
      const x = b[i]!;
      if (state === V_STRING_ESCAPE) {
        this.readEscape(x, i);
        i++;
        continue;
      }
      if (state === V_STRING_UNICODE) {
        const d =
          x >= 48 && x <= 57
            ? x - 48
            : x >= 97 && x <= 102
              ? x - 87
              : x >= 65 && x <= 70
                ? x - 55
                : -1;
        if (d < 0) this.fail('bad \\u escape', i);
        this.unicode = this.unicode * 16 + d;
        if (++this.unicodeDigits === 4) {
          this.pushCodeUnit(this.unicode);
          this.state = V_STRING;
        }
        i++;
        continue;
      }
      if (state === V_LITERAL) {
        if (x !== this.literal.charCodeAt(this.literalPos))
          this.fail(`unexpected byte in literal ${this.literal}`, i);
        if (++this.literalPos === this.literal.length) {
          this.h.value(this.literal === 'true' ? true : this.literal === 'false' ? false : null);
          this.state = V_AFTER;
        }
        i++;
        continue;
      }
      // Structural states: skip whitespace first.
      if (x === 32 || x === 9 || x === 13) {
        i++;
        continue;
      }
      if (x === 10) {
        this.line++;
        i++;
        continue;
      }
      switch (state) {
        case V_VALUE:
        case V_VALUE_OR_END:
          if (state === V_VALUE_OR_END && x === 93) {
            this.close(ARR, i);
            break;
          }
          if (x === 45 || (x >= 48 && x <= 57)) {
            // The number's first byte is read again by readNumber, hence no i++.
            if (this.depth === 0) {
              if (this.sawRoot) this.fail('data after the end of the JSON value', i);
              this.sawRoot = true;
            }
            this.numState = NUM_START;
            this.numNeg = false;
            this.mant = 0;
            this.fracDigits = 0;
            this.expNeg = false;
            this.exp = 0;
            this.state = V_NUMBER;
            continue;
          }
          this.startValue(x, i);
          break;
        case V_KEY_OR_END:
        case V_KEY:
          if (state === V_KEY_OR_END && x === 125) {
            this.close(OBJ, i);
            break;
          }
          if (x !== 34) this.fail('expected a key', i);
          this.beginString(true);
          break;
        case V_COLON:
          if (x !== 58) this.fail("expected ':'", i);
          this.state = V_VALUE;
          break;
        case V_AFTER:
          if (this.depth === 0) this.fail('data after the end of the JSON value', i);
          if (x === 44) this.state = this.stack[this.depth - 1] === OBJ ? V_KEY : V_VALUE;
          else if (x === 125) this.close(OBJ, i);
          else if (x === 93) this.close(ARR, i);
          else this.fail("expected ',' or a closing bracket", i);
          break;
        default:
          this.fail('tokenizer state', i);
      }
      i++;
    }
    this.offset += n;
  }

  /** Call at the end of the input; throws when the document is incomplete. */
  end(): void {
    if (this.state === V_NUMBER && this.depth === 0) this.finishNumber(0);
    if (!this.sawRoot) throw new JsonSyntaxError('no JSON value', this.offset, this.line);
    if (this.depth > 0 || this.state !== V_AFTER)
      throw new JsonSyntaxError('unexpected end of the file (truncated?)', this.offset, this.line);
  }

  private startValue(x: number, i: number): void {
    if (this.depth === 0) {
      if (this.sawRoot) this.fail('data after the end of the JSON value', i);
      this.sawRoot = true;
    }
    if (x === 123) {
      this.push(OBJ, i);
      this.h.startObject();
      this.state = V_KEY_OR_END;
    } else if (x === 91) {
      this.push(ARR, i);
      this.h.startArray();
      this.state = V_VALUE_OR_END;
    } else if (x === 34) this.beginString(false);
    else if (x === 116 || x === 102 || x === 110) {
      this.literal = x === 116 ? 'true' : x === 102 ? 'false' : 'null';
      this.literalPos = 1;
      this.state = V_LITERAL;
    } else this.fail(`unexpected character '${String.fromCharCode(x)}'`, i);
  }

  private push(kind: number, i: number): void {
    if (this.depth >= MAX_DEPTH) this.fail('nesting too deep', i);
    this.stack[this.depth++] = kind;
    if (this.depth > this.maxDepth) this.maxDepth = this.depth;
  }

  private close(kind: number, i: number): void {
    if (this.depth === 0 || this.stack[this.depth - 1] !== kind)
      this.fail('mismatched closing bracket', i);
    this.depth--;
    if (kind === OBJ) this.h.endObject();
    else this.h.endArray();
    this.state = V_AFTER;
  }

  private beginString(isKey: boolean): void {
    this.strIsKey = isKey;
    this.strLen = 0;
    this.strPrefix = '';
    this.state = V_STRING;
  }

  private keepBytes(b: Uint8Array, s: number, e: number): void {
    const room = KEPT_STRING_BYTES - this.strLen;
    if (e - s <= room) {
      this.strBytes.set(b.subarray(s, e), this.strLen);
      this.strLen += e - s;
    } else {
      if (room > 0) this.strBytes.set(b.subarray(s, s + room), this.strLen);
      this.strLen = KEPT_STRING_BYTES;
    }
  }

  private flushBytes(): void {
    // Bounded even for a huge string with many escapes: past the cap, bytes are dropped.
    const len = this.strLen;
    this.strLen = 0;
    if (len === 0 || this.strPrefix.length > KEPT_STRING_BYTES) return;
    if (len <= 32) {
      // Keys and short values are mostly ASCII: no TextDecoder call for them.
      const bytes = this.strBytes;
      let ascii = '';
      let i = 0;
      for (; i < len; i++) {
        const c = bytes[i]!;
        if (c >= 0x80) break;
        ascii += String.fromCharCode(c);
      }
      if (i === len) {
        this.strPrefix += ascii;
        return;
      }
    }
    this.strPrefix += this.decoder.decode(this.strBytes.subarray(0, len));
  }

  private pushCodeUnit(u: number): void {
    if (this.strPrefix.length > KEPT_STRING_BYTES) return;
    this.flushBytes();
    this.strPrefix += String.fromCharCode(u);
  }

  private readEscape(x: number, i: number): void {
    let c: number;
    switch (x) {
      case 34:
      case 92:
      case 47:
        c = x;
        break;
      case 98:
        c = 8;
        break;
      case 102:
        c = 12;
        break;
      case 110:
        c = 10;
        break;
      case 114:
        c = 13;
        break;
      case 116:
        c = 9;
        break;
      case 117:
        this.unicode = 0;
        this.unicodeDigits = 0;
        this.state = V_STRING_UNICODE;
        return;
      default:
        this.fail('bad escape in a string', i);
    }
    this.pushCodeUnit(c);
    this.state = V_STRING;
  }

  private endString(_i: number): void {
    this.flushBytes();
    const s = this.strPrefix;
    this.strPrefix = '';
    if (this.strIsKey) {
      this.h.key(s);
      this.state = V_COLON;
    } else {
      this.h.value(s);
      this.state = V_AFTER;
    }
  }

  /** Reads number bytes from b[i..n); returns where it stopped. */
  private readNumber(b: Uint8Array, i: number, n: number): number {
    let st = this.numState;
    for (; i < n; i++) {
      const x = b[i]!;
      const d = x - 48;
      const digit = d >= 0 && d <= 9;
      switch (st) {
        case NUM_START:
          if (x === 45) {
            this.numNeg = true;
            st = NUM_MINUS;
          } else if (d === 0) st = NUM_ZERO;
          else {
            this.mant = d;
            st = NUM_INT;
          }
          continue;
        case NUM_MINUS:
          if (d === 0) st = NUM_ZERO;
          else if (digit) {
            this.mant = d;
            st = NUM_INT;
          } else this.fail('bad number', i);
          continue;
        case NUM_INT:
          if (digit) {
            this.mant = this.mant * 10 + d;
            continue;
          }
        // falls through
        case NUM_ZERO:
          if (digit) this.fail('leading zero in a number', i);
          if (x === 46) {
            st = NUM_FRAC0;
            continue;
          }
          if (x === 101 || x === 69) {
            st = NUM_EXP0;
            continue;
          }
          break;
        case NUM_FRAC0:
        case NUM_FRAC:
          if (digit) {
            this.mant = this.mant * 10 + d;
            this.fracDigits++;
            st = NUM_FRAC;
            continue;
          }
          if (st === NUM_FRAC0) this.fail('bad number', i);
          if (x === 101 || x === 69) {
            st = NUM_EXP0;
            continue;
          }
          break;
        case NUM_EXP0:
          if (x === 43 || x === 45) {
            this.expNeg = x === 45;
            st = NUM_EXPSIGN;
            continue;
          }
        // falls through
        case NUM_EXPSIGN:
          if (!digit) this.fail('bad exponent', i);
          this.exp = d;
          st = NUM_EXP;
          continue;
        case NUM_EXP:
          if (digit) {
            this.exp = this.exp * 10 + d;
            continue;
          }
          break;
      }
      // The number ended at b[i], which the structural loop reads next.
      this.numState = st;
      this.finishNumber(i);
      return i;
    }
    this.numState = st;
    return n;
  }

  private finishNumber(i: number): void {
    const st = this.numState;
    if (st === NUM_MINUS || st === NUM_FRAC0 || st === NUM_EXP0 || st === NUM_EXPSIGN)
      this.fail('bad number', i);
    const e = (this.expNeg ? -this.exp : this.exp) - this.fracDigits;
    // Exact enough for validation; precise to the last bit only for ≤ 15 significant digits.
    // Powers of ten from a table: Math.pow was a fifth of the time on coordinate-heavy GeoJSON.
    let v =
      e >= 0
        ? this.mant * (e <= 22 ? POW10[e]! : 10 ** e)
        : this.mant / (-e <= 22 ? POW10[-e]! : 10 ** -e);
    if (this.numNeg) v = -v;
    this.h.value(v);
    this.state = V_AFTER;
  }
}
