import sharp from 'sharp';
import type { Box } from './layout';

export interface Annotation extends Box {
  label: string;
}

const escapeXml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The frame with boxes and labels drawn, as JPEG. Drawn with an SVG overlay that sharp composites
 * in its thread pool: no canvas dependency and no pixel loop on the event loop.
 */
export async function annotate(frame: Buffer, width: number, height: number, boxes: readonly Annotation[], quality = 80): Promise<Buffer> {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 200));
  const font = Math.max(10, Math.round(Math.min(width, height) / 30));
  const parts = boxes.map((b) => {
    const x = b.x1.toFixed(1);
    const y = b.y1.toFixed(1);
    const w = Math.max(1, b.x2 - b.x1).toFixed(1);
    const h = Math.max(1, b.y2 - b.y1).toFixed(1);
    const ty = Math.max(font, b.y1 - stroke);
    const label = escapeXml(b.label);
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#ff2020" stroke-width="${stroke}"/>` +
      `<rect x="${x}" y="${(ty - font).toFixed(1)}" width="${(label.length * font * 0.6 + 4).toFixed(1)}" height="${font + 2}" fill="#ff2020"/>` +
      `<text x="${(b.x1 + 2).toFixed(1)}" y="${(ty - 1).toFixed(1)}" font-family="sans-serif" font-size="${font}" fill="#ffffff">${label}</text>`;
  });
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`);
  return sharp(frame).composite([{ input: svg, top: 0, left: 0 }]).jpeg({ quality }).toBuffer();
}
