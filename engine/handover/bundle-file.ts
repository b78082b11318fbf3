/**
 * The bundle as a file: plain JSON text, or gzipped when the file name ends in `.gz` (mail
 * attachments have size limits; a bundle with many reference runs compresses well). Reading
 * accepts both, told apart by gzip's magic bytes, not by the name a file was renamed to.
 *
 * May import: engine/model, node:zlib.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BundleReadError, readBundle, type HandoverBundle } from '../model/handover-bundle.ts';
import { bundleText } from './export-bundle.ts';

export function encodeBundle(bundle: HandoverBundle, fileName: string): Buffer {
  const text = Buffer.from(bundleText(bundle), 'utf8');
  return fileName.toLowerCase().endsWith('.gz') ? gzipSync(text) : text;
}

export function readBundleBytes(bytes: Uint8Array): HandoverBundle {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let text: string;
    try {
      text = gunzipSync(bytes).toString('utf8');
    } catch {
      throw new BundleReadError('This hand-over bundle is damaged: it is compressed, but cut short or broken.', 'Ask for the file again; it was probably not copied whole.');
    }
    return readBundle(text);
  }
  return readBundle(Buffer.from(bytes).toString('utf8'));
}
