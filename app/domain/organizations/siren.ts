// SIREN numbers: 9 digits whose Luhn checksum is valid (La Poste's establishments, under
// 356000000, follow their own rule: the digit sum is a multiple of 5).
export function isValidSiren(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  if (value === '356000000') return true;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(value[8 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
