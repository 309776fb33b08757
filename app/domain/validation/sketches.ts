// Constant-memory structures for the streaming pass: a HyperLogLog for distinct counts and a
// bounded set of 64-bit row hashes for duplicate rows.

/** Murmur3's finaliser: spreads the bits of a weak hash (FNV) before it feeds the sketches. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const HLL_P = 12;
const HLL_M = 1 << HLL_P;
const HLL_ALPHA = 0.7213 / (1 + 1.079 / HLL_M);

/** HyperLogLog, precision 12: 4 KiB per column, about 1.6 % standard error. */
export class HyperLogLog {
  private readonly registers = new Uint8Array(HLL_M);

  /** `hash` must be a well-mixed 32-bit value. */
  add(hash: number): void {
    const idx = hash >>> (32 - HLL_P);
    const rest = (hash << HLL_P) | (1 << (HLL_P - 1)); // sentinel bit bounds the rank
    const rank = Math.clz32(rest) + 1;
    if (rank > this.registers[idx]!) this.registers[idx] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = (HLL_ALPHA * HLL_M * HLL_M) / sum;
    // Linear counting is far more accurate while many registers are still empty.
    if (raw <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros));
    return Math.round(raw);
  }
}

/**
 * Open-addressing set of 64-bit hashes (two 32-bit halves) with a fixed capacity. Once full it
 * stops inserting but still answers membership, so duplicate counts become a lower bound and the
 * caller reports them as inexact. A 64-bit hash makes false duplicates negligible (~n²/2⁶⁵).
 */
export class BoundedHashSet {
  // Interleaved halves: one cache line per probe. (0, 0) marks an empty slot, so that hash is remapped.
  // The table starts small and doubles up to its cap, so small files stay in the CPU cache.
  private slots: Uint32Array;
  private mask: number;
  private size = 0;
  private readonly maxSlots: number;
  overflowed = false;

  constructor(readonly capacity: number) {
    let slots = 1;
    while (slots < capacity * 2) slots <<= 1; // load factor ≤ 0.5 keeps probes short
    this.maxSlots = slots;
    const initial = Math.min(slots, 1 << 14);
    this.slots = new Uint32Array(initial * 2);
    this.mask = initial - 1;
  }

  /** Returns true when the hash was already present. */
  addOrHas(hi: number, lo: number): boolean {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    const t = this.slots;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = t[i * 2]!;
      const b = t[i * 2 + 1]!;
      if (a === 0 && b === 0) {
        if (this.size >= this.capacity) {
          this.overflowed = true;
          return false;
        }
        t[i * 2] = hi;
        t[i * 2 + 1] = lo;
        this.size++;
        if (this.size * 2 > this.mask + 1 && this.mask + 1 < this.maxSlots) this.grow();
        return false;
      }
      if (a === hi && b === lo) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const slots = (this.mask + 1) * 2;
    this.slots = new Uint32Array(slots * 2);
    this.mask = slots - 1;
    const t = this.slots;
    for (let k = 0; k < old.length; k += 2) {
      const hi = old[k]!;
      const lo = old[k + 1]!;
      if (hi === 0 && lo === 0) continue;
      let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
      while (t[i * 2] !== 0 || t[i * 2 + 1] !== 0) i = (i + 1) & this.mask;
      t[i * 2] = hi;
      t[i * 2 + 1] = lo;
    }
  }
}
