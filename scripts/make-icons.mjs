// Generates the app and tray icons in resources/ as real PNG files, with no image library:
// shapes are rasterised with 4x4 supersampling and encoded with node:zlib.
// Run: node scripts/make-icons.mjs   (the PNGs are committed; re-run only to change the design)
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources');

// ---- PNG encoding -------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** Encodes an RGBA pixel buffer (width*height*4 bytes) as an 8-bit RGBA PNG. */
function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- Shapes, in unit coordinates (0..1, y down) ---------------------------------------------

const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring = (cx, cy, r0, r1) => (x, y) => {
  const d2 = (x - cx) ** 2 + (y - cy) ** 2;
  return d2 >= r0 * r0 && d2 <= r1 * r1;
};
const and = (a, b) => (x, y) => a(x, y) && b(x, y);
const or = (...shapes) => (x, y) => shapes.some((s) => s(x, y));
const roundedSquare = (inset, radius) => (x, y) => {
  const lo = inset + radius;
  const hi = 1 - inset - radius;
  const dx = Math.max(lo - x, 0, x - hi);
  const dy = Math.max(lo - y, 0, y - hi);
  return x >= inset && x <= 1 - inset && y >= inset && y <= 1 - inset && dx * dx + dy * dy <= radius * radius;
};
const triangle = (ax, ay, bx, by, cx, cy) => (x, y) => {
  const side = (px, py, qx, qy) => (x - qx) * (py - qy) - (px - qx) * (y - qy);
  const d1 = side(ax, ay, bx, by);
  const d2 = side(bx, by, cx, cy);
  const d3 = side(cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};

/** Letter "J": top bar, stem, and a half-ring hook ending in a short upward stub. */
const letterJ = or(
  rect(0.36, 0.2, 0.72, 0.31),
  rect(0.52, 0.2, 0.64, 0.62),
  and(ring(0.43, 0.62, 0.09, 0.21), (_x, y) => y >= 0.62),
  rect(0.22, 0.55, 0.34, 0.62),
);

/**
 * Rasterises layers ({ shape, color: [r,g,b,a] }, painted in order) at size x size pixels.
 * Each pixel takes 16 samples, so edges are anti-aliased even at 16x16.
 */
function render(size, layers) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let cr = 0, cg = 0, cb = 0, ca = 0;
          for (const { shape, color } of layers) {
            if (!shape(x, y)) continue;
            const la = color[3] / 255;
            cr = color[0] * la + cr * (1 - la);
            cg = color[1] * la + cg * (1 - la);
            cb = color[2] * la + cb * (1 - la);
            ca = la + ca * (1 - la);
          }
          r += cr; g += cg; b += cb; a += ca;
        }
      }
      const samples = n * n;
      const alpha = a / samples;
      const i = (py * size + px) * 4;
      // Stored colour is un-premultiplied.
      pixels[i] = alpha ? Math.round(r / samples / alpha) : 0;
      pixels[i + 1] = alpha ? Math.round(g / samples / alpha) : 0;
      pixels[i + 2] = alpha ? Math.round(b / samples / alpha) : 0;
      pixels[i + 3] = Math.round(alpha * 255);
    }
  }
  return encodePng(size, size, pixels);
}

// ---- Icons ------------------------------------------------------------------------------

const WHITE = [255, 255, 255, 255];
const BLACK = [0, 0, 0, 255];
const STATE_COLORS = {
  idle: [128, 128, 128, 255],
  running: [37, 99, 235, 255],
  failed: [220, 38, 38, 255],
};
// A white glyph per state, so the state reads without colour: pause bars, play triangle, "!".
const STATE_GLYPHS = {
  idle: or(rect(0.34, 0.3, 0.44, 0.7), rect(0.56, 0.3, 0.66, 0.7)),
  running: triangle(0.38, 0.27, 0.38, 0.73, 0.74, 0.5),
  failed: or(rect(0.43, 0.2, 0.57, 0.58), circle(0.5, 0.74, 0.08)),
};

const icons = {
  'icon.png': [512, [
    { shape: roundedSquare(0.04, 0.18), color: [30, 41, 59, 255] },
    { shape: letterJ, color: WHITE },
    { shape: circle(0.74, 0.74, 0.08), color: STATE_COLORS.running },
  ]],
  // macOS menu-bar template: black + alpha only; the system tints it for light/dark bars.
  'trayTemplate.png': [16, [{ shape: or(ring(0.5, 0.5, 0.3, 0.44), circle(0.5, 0.5, 0.16)), color: BLACK }]],
  'trayTemplate@2x.png': [32, [{ shape: or(ring(0.5, 0.5, 0.3, 0.44), circle(0.5, 0.5, 0.16)), color: BLACK }]],
};
for (const [state, color] of Object.entries(STATE_COLORS)) {
  const layers = [
    { shape: circle(0.5, 0.5, 0.47), color },
    { shape: STATE_GLYPHS[state], color: WHITE },
  ];
  icons[`tray-${state}.png`] = [16, layers];
  icons[`tray-${state}@2x.png`] = [32, layers];
}

mkdirSync(outDir, { recursive: true });
for (const [name, [size, layers]] of Object.entries(icons)) {
  writeFileSync(join(outDir, name), render(size, layers));
  console.log(`resources/${name} ${size}x${size}`);
}
