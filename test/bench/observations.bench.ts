// Observations benchmark (npm run bench:observations): re-encoding a 12-megapixel phone
// photo without its metadata (the process_photo job's work), and communeAt over random
// points of the Métropole's bounding box (each observation submitted calls it once).
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { reencodePhoto } from '../../app/domain/observations/photos.server';
import { communeAt, communes } from '../../app/domain/territories/territories.server';

async function main() {
  // A noisy 4000 × 3000 image compresses like a photo, not like a flat colour.
  const raw = Buffer.alloc(4000 * 3000 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  const photo = await sharp(raw, { raw: { width: 4000, height: 3000, channels: 3 } })
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Make: 'Bench', Model: 'Phone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '45/1 45/1 3/1' } })
    .toBuffer();
  const runs = 5;
  await reencodePhoto(photo); // warm-up
  const t0 = performance.now();
  let out: Buffer = Buffer.alloc(0);
  for (let i = 0; i < runs; i++) out = await reencodePhoto(photo);
  const ms = (performance.now() - t0) / runs;
  console.log(`re-encode 4000×3000 JPEG (${(photo.length / 1e6).toFixed(1)} MB, EXIF+GPS): ${ms.toFixed(0)} ms each (mean of ${runs}), output ${(out.length / 1e6).toFixed(2)} MB, 2048 px`);

  const all = communes();
  const [x0, y0, x1, y1] = [
    Math.min(...all.map((c) => c.bbox[0])),
    Math.min(...all.map((c) => c.bbox[1])),
    Math.max(...all.map((c) => c.bbox[2])),
    Math.max(...all.map((c) => c.bbox[3])),
  ];
  const n = 100_000;
  const pts = Array.from({ length: n }, (_, i) => [x0 + ((i * 0.6180339887) % 1) * (x1 - x0), y0 + ((i * 0.7548776662) % 1) * (y1 - y0)] as const);
  communeAt(4.8357, 45.7676);
  const t1 = performance.now();
  let inside = 0;
  for (const [x, y] of pts) if (communeAt(x, y)) inside++;
  const us = ((performance.now() - t1) * 1000) / n;
  console.log(`communeAt: ${us.toFixed(1)} µs per point over ${n} points of the bbox (${((100 * inside) / n).toFixed(0)} % inside a commune)`);
}

void main();
