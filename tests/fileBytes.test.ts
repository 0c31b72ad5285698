import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileInPieces } from '../cli/checkpointFile.ts';
import {
  type FileBytes,
  FileBytesWriter,
  fileBytesOf,
  heldBytes,
  KEEP_NONE,
  MissingBytesError,
  readRange,
} from '../models/fileBytes.ts';
import { makeGpt2Fixture } from '../models/fixtures.ts';
import { parseGpt2Config } from '../models/gpt2/config.ts';
import { GPT2_KEEP_POLICY, resolveGpt2Weights } from '../models/gpt2/weights.ts';
import { parseSafetensors, tensorAsFloat32 } from '../models/safetensors.ts';

const counting = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256);

/** Feeds `bytes` to a writer in chunks of `chunk` bytes. */
function feed(writer: FileBytesWriter, bytes: Uint8Array, chunk: number): FileBytes {
  for (let at = 0; at < bytes.byteLength; at += chunk) writer.write(bytes.subarray(at, at + chunk));
  return writer.finish();
}

describe('FileBytes: a file in pieces', () => {
  const file: FileBytes = {
    byteLength: 30,
    pieces: [
      { offset: 0, bytes: counting(30).slice(0, 10) },
      { offset: 10, bytes: counting(30).slice(10, 20) },
      { offset: 25, bytes: counting(30).slice(25, 30) },
    ],
  };

  it('reads a range inside one piece as a view, across pieces as a copy', () => {
    const inside = readRange(file, 12, 5);
    expect(inside.buffer).toBe(file.pieces[1]!.bytes.buffer);
    expect(Array.from(inside)).toEqual(Array.from(counting(30).slice(12, 17)));
    const across = readRange(file, 5, 10);
    expect(across.buffer).not.toBe(file.pieces[0]!.bytes.buffer);
    expect(Array.from(across)).toEqual(Array.from(counting(30).slice(5, 15)));
  });

  it('a range that was not kept, or outside the file, is an error that says so', () => {
    expect(() => readRange(file, 18, 4, 'tensor "x"')).toThrow(MissingBytesError);
    expect(() => readRange(file, 18, 4, 'tensor "x"')).toThrow(
      'tensor "x" [18, 22) were not kept (missing from 20)',
    );
    expect(() => readRange(file, 28, 5)).toThrow("lie outside the file's 30 bytes");
  });

  it('the writer cuts pieces at the piece size, whatever the chunk size', () => {
    const bytes = counting(1000);
    for (const chunk of [1, 7, 64, 1000]) {
      const out = feed(new FileBytesWriter(1000, undefined, 300), bytes, chunk);
      expect(out.pieces.map((p) => [p.offset, p.bytes.byteLength])).toEqual([
        [0, 300],
        [300, 300],
        [600, 300],
        [900, 100],
      ]);
      expect(Array.from(readRange(out, 0, 1000))).toEqual(Array.from(bytes));
    }
  });

  it('the writer refuses more bytes than announced and an early finish', () => {
    const writer = new FileBytesWriter(4);
    writer.write(counting(3));
    expect(() => writer.finish()).toThrow('received 3 of 4 bytes');
    expect(() => writer.write(counting(2))).toThrow('more than the announced 4 bytes');
  });

  it('KEEP_NONE keeps nothing but still counts every byte', () => {
    const writer = new FileBytesWriter(100, KEEP_NONE);
    const out = feed(writer, counting(100), 9);
    expect(out).toEqual({ byteLength: 100, pieces: [] });
    expect(writer.position).toBe(100);
  });
});

describe('a GPT-2 checkpoint streamed past a keep policy', () => {
  const fixture = makeGpt2Fixture({
    nLayer: 2,
    nEmbd: 16,
    nHead: 2,
    nPositions: 64,
    seed: 5,
    legacyBuffers: true,
  });
  const bytes = fixture.safetensors;
  const config = parseGpt2Config(fixture.config);
  const whole = parseSafetensors(bytes);
  const bufferBytes = [...whole.tensors.values()]
    .filter((t) => t.name.endsWith('.attn.bias') || t.name.endsWith('.attn.masked_bias'))
    .reduce((sum, t) => sum + t.byteLength, 0);

  const expectSameWeights = (kept: FileBytes): void => {
    const file = parseSafetensors(kept);
    const weights = resolveGpt2Weights(file, config);
    const reference = resolveGpt2Weights(whole, config);
    expect(Array.from(tensorAsFloat32(file, weights.blocks[1]!.mlpProjWeight))).toEqual(
      Array.from(tensorAsFloat32(whole, reference.blocks[1]!.mlpProjWeight)),
    );
    expect(Array.from(tensorAsFloat32(file, weights.wte).subarray(0, 64))).toEqual(
      Array.from(tensorAsFloat32(whole, reference.wte).subarray(0, 64)),
    );
  };

  it('keeps the header and every weight, not the mask buffers, whatever the chunk size', () => {
    for (const chunk of [3, 8, 1000, 1 << 20]) {
      const kept = feed(new FileBytesWriter(bytes.byteLength, GPT2_KEEP_POLICY, 1 << 16), bytes, chunk);
      expect(heldBytes(kept), `chunk ${chunk}`).toBe(bytes.byteLength - bufferBytes);
      expectSameWeights(kept);
      const bias = whole.tensors.get('h.0.attn.bias')!;
      expect(() => tensorAsFloat32(parseSafetensors(kept), bias)).toThrow(
        /tensor "h.0.attn.bias" .* were not kept/,
      );
    }
  });

  it('a reset (a restarted transfer) forgets what came before', () => {
    const writer = new FileBytesWriter(bytes.byteLength, GPT2_KEEP_POLICY);
    writer.write(bytes.subarray(0, 5000));
    writer.reset();
    const kept = feed(writer, bytes, 4096);
    expect(heldBytes(kept)).toBe(bytes.byteLength - bufferBytes);
    expectSameWeights(kept);
  });

  it('an unreadable header keeps everything, so the parser can say what is wrong', () => {
    const broken = bytes.slice();
    broken[10] = 0xff; // inside the JSON header
    const kept = feed(new FileBytesWriter(broken.byteLength, GPT2_KEEP_POLICY), broken, 1000);
    expect(heldBytes(kept)).toBe(broken.byteLength);
    expect(() => parseSafetensors(kept)).toThrow(/header is not valid JSON/);
  });

  it('the CLI reads the file from disk in pieces, skipping the buffers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lenslab-pieces-'));
    try {
      const path = join(dir, 'model.safetensors');
      writeFileSync(path, bytes);
      const kept = readFileInPieces(path, GPT2_KEEP_POLICY, 4096);
      expect(kept.byteLength).toBe(bytes.byteLength);
      expect(heldBytes(kept)).toBe(bytes.byteLength - bufferBytes);
      expect(Math.max(...kept.pieces.map((p) => p.bytes.byteLength))).toBeLessThanOrEqual(4096);
      expectSameWeights(kept);
      // a truncated file: the parser names the tensor that runs past the end
      writeFileSync(path, bytes.subarray(0, bytes.byteLength - 10));
      expect(() => parseSafetensors(readFileInPieces(path, GPT2_KEEP_POLICY))).toThrow(/truncated: tensor "/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one buffer still works as one piece', () => {
    expect(heldBytes(fileBytesOf(bytes))).toBe(bytes.byteLength);
    expectSameWeights(fileBytesOf(bytes));
  });
});
