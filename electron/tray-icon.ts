/**
 * The tray icon, drawn in code as a PNG (the app's pulse mark in white on its accent colour, a
 * rounded square): no image file to resolve from inside app.asar, no build step to forget, and
 * the same bytes every time. `nativeImage.createFromBuffer(trayIconPng(32))` in main.ts.
 */
import { deflateSync } from 'node:zlib';

const ACCENT = [0x4b, 0x57, 0xd1] as const;
/** The pulse line, in a 24 × 24 box (the same shape as the rail's logo). */
const PULSE: Array<[number, number]> = [
  [3, 12],
  [7.5, 12],
  [10, 6],
  [14, 18],
  [16.5, 12],
  [21, 12],
];

/** A square RGBA PNG of `size` pixels. */
export function trayIconPng(size = 32): Buffer {
  const rgba = Buffer.alloc(size * size * 4);
  const scale = size / 24;
  const radius = 5 * scale;
  const stroke = 1.3 * scale;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const background = coverage(roundedSquareDistance(px, py, size, radius));
      const line = coverage(polylineDistance(px / scale, py / scale) * scale - stroke);
      const i = (y * size + x) * 4;
      // White line over the accent square; outside the square, transparent.
      rgba[i] = Math.round(ACCENT[0] + (255 - ACCENT[0]) * line);
      rgba[i + 1] = Math.round(ACCENT[1] + (255 - ACCENT[1]) * line);
      rgba[i + 2] = Math.round(ACCENT[2] + (255 - ACCENT[2]) * line);
      rgba[i + 3] = Math.round(255 * background);
    }
  }
  return encodePng(size, size, rgba);
}

/** 1 inside, 0 outside, a one-pixel soft edge (signed distance → coverage). */
function coverage(distance: number): number {
  return Math.min(1, Math.max(0, 0.5 - distance));
}

function roundedSquareDistance(x: number, y: number, size: number, radius: number): number {
  const half = size / 2;
  const qx = Math.abs(x - half) - (half - radius);
  const qy = Math.abs(y - half) - (half - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function polylineDistance(x: number, y: number): number {
  let best = Infinity;
  for (let i = 0; i + 1 < PULSE.length; i++) {
    const [ax, ay] = PULSE[i]!;
    const [bx, by] = PULSE[i + 1]!;
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)));
  }
  return best;
}

// PNG: signature, IHDR, one IDAT (filter byte 0 per row), IEND; CRC-32 per chunk.
function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
