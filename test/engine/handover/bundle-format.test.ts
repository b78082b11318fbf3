/** The bundle format read back: plain errors for a wrong file, a newer format, a damaged one. */
import { describe, expect, it } from 'vitest';
import { BundleReadError, HANDOVER_FORMAT, HANDOVER_FORMAT_VERSION, HandoverBundleSchema, maskLabel, readBundle, type HandoverBundle } from '../../../engine/model/handover-bundle.ts';
import { gzipSync } from 'node:zlib';
import { encodeBundle, readBundleBytes } from '../../../engine/handover/index.ts';
import { supportFlow } from './fixture-flow.ts';

function bundle(): HandoverBundle {
  return HandoverBundleSchema.parse({
    format: HANDOVER_FORMAT,
    formatVersion: HANDOVER_FORMAT_VERSION,
    createdAt: '2026-12-01T10:00:00.000Z',
    generator: 'Flowkeeper',
    flow: supportFlow(),
    credentials: [{ id: 'shop-api', type: 'http.bearer', typeTitle: 'Web API token (Bearer)', typeSource: 'stored', fields: [{ name: 'token', label: 'Token', secret: true, optional: false }], connect: false, usedBy: [{ kind: 'step', nodeId: 'fetch', title: 'Fetch customer', nodeType: 'http.request' }] }],
    references: [],
    privacy: { maskedFields: [], maskedValues: 0, scrubbed: 0 },
    runbook: { markdown: '# Runbook' },
  });
}

function readError(text: string): BundleReadError {
  try {
    readBundle(text);
  } catch (error) {
    expect(error).toBeInstanceOf(BundleReadError);
    return error as BundleReadError;
  }
  throw new Error('readBundle accepted it');
}

describe('readBundle', () => {
  it('round-trips a bundle', () => {
    const original = bundle();
    expect(readBundle(JSON.stringify(original))).toEqual(original);
  });

  it('says a file that is not JSON, or not a bundle, is not a hand-over bundle', () => {
    expect(readError('PK\u0003\u0004 zip bytes').message).toBe('This file is not a Flowkeeper hand-over bundle (it is not JSON text).');
    expect(readError('{"hello":1}').message).toBe('This file is not a Flowkeeper hand-over bundle.');
    const flowFile = readError(JSON.stringify(supportFlow()));
    expect(flowFile.message).toBe('This file is not a Flowkeeper hand-over bundle.');
    expect(flowFile.hint).toContain('This is a flow file');
  });

  it('says a bundle from a newer Flowkeeper needs an update', () => {
    const error = readError(JSON.stringify({ ...bundle(), formatVersion: HANDOVER_FORMAT_VERSION + 1, somethingNew: true }));
    expect(error.message).toContain('made by a newer Flowkeeper');
    expect(error.message).toContain('update it');
  });

  it('lists where a damaged bundle is wrong', () => {
    const broken = { ...bundle(), credentials: [{ id: 'x' }] } as unknown;
    const error = readError(JSON.stringify(broken));
    expect(error.message).toContain('damaged');
    expect(error.problems.some((p) => p.startsWith('credentials.0.'))).toBe(true);
  });

  it('reads plain and gzipped files by their bytes, whatever their name', () => {
    const original = bundle();
    expect(readBundleBytes(encodeBundle(original, 'a.fkbundle'))).toEqual(original);
    const zipped = encodeBundle(original, 'a.fkbundle.GZ');
    expect(zipped[0]).toBe(0x1f);
    expect(readBundleBytes(zipped)).toEqual(original);
    expect(() => readBundleBytes(zipped.subarray(0, 40))).toThrow('This hand-over bundle is damaged: it is compressed, but cut short or broken.');
    expect(() => readBundleBytes(gzipSync('{"format":"flowkeeper/flow"}'))).toThrow('This file is not a Flowkeeper hand-over bundle.');
  });

  it('masks are stable labels', () => {
    expect(maskLabel(1)).toBe('«masked 1»');
  });
});
