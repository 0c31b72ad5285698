import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { VectorEntry } from '../app/domain.ts';
import {
  baseName,
  exportFileName,
  exportVectorNpy,
  exportVectorsJson,
  importVectorFile,
  importVectors,
  VectorFileError,
  vectorNorm,
} from '../app/vectors/vectorFiles.ts';
import { parseNpy, writeNpy } from '../models/npy.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ovectorDir = path.resolve(repoRoot, '../shared/reference/ovectors');

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Deterministic values that are exact float32s and not round in decimal. */
function values(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out[i] = (x / 2 ** 31 - 0.5) * 7.3;
  }
  return out;
}

function entry(name: string, data: Float32Array, extra: Partial<VectorEntry> = {}): VectorEntry {
  return { id: name, name, data, norm: vectorNorm(data), promotes: [], createdAt: 0, ...extra };
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VectorFileError);
    return (error as Error).message;
  }
  throw new Error('expected the import to be refused');
}

describe('vectorNorm and names', () => {
  it('vectorNorm', () => {
    expect(vectorNorm(new Float32Array([3, 4]))).toBe(5);
    expect(vectorNorm(new Float32Array(0))).toBe(0);
    const v = values(1024);
    expect(vectorNorm(v)).toBeCloseTo(Math.hypot(...v), 9);
  });

  it('baseName and exportFileName', () => {
    expect(baseName('o_city.npy')).toBe('o_city');
    expect(baseName('dl/sub\\o.city.json')).toBe('o.city');
    expect(baseName('.hidden')).toBe('.hidden');
    expect(exportFileName('o city', 'npy')).toBe('o city.npy');
    expect(exportFileName('a/b:c?', 'json')).toBe('a_b_c_.json');
    expect(exportFileName('  ', 'npy')).toBe('vector.npy');
    expect(exportFileName('..\u0001x', 'npy')).toBe('_x.npy');
  });
});

describe('.npy import', () => {
  it('float32 (d,): the export round-trips bit for bit', () => {
    const data = values(16);
    const bytes = exportVectorNpy({ data });
    expect(bytes).toEqual(writeNpy(data, [16]));
    const back = importVectorFile('o_city.npy', bytes, 16);
    expect(back.name).toBe('o_city');
    expect(back.data).toEqual(data);
    expect(parseNpy(bytes).shape).toEqual([16]);
  });

  it('float16 (1, d) and (d, 1) are accepted', () => {
    const data = new Float32Array([0.5, -1.25, 2, 0]);
    expect(importVectorFile('h.npy', writeNpy(data, [1, 4], 'float16'), 4).data).toEqual(data);
    expect(importVectorFile('h.npy', writeNpy(data, [4, 1]), 4).data).toEqual(data);
  });

  it('a size mismatch is refused with the reason', () => {
    const bytes = writeNpy(new Float32Array(4096), [1, 4096], 'float16');
    expect(refusal(() => importVectorFile('o_city.npy', bytes, 1024))).toBe(
      'o_city.npy: vector has shape (1, 4096) = 4096 values, the model needs 1024',
    );
  });

  it('a matrix, a bad file and non-finite values are refused', () => {
    expect(refusal(() => importVectorFile('m.npy', writeNpy(new Float32Array(8), [2, 4]), 8))).toMatch(
      /^m\.npy: array has shape \(2, 4\) = 8 values, not a vector/,
    );
    expect(refusal(() => importVectorFile('x.npy', utf8('hello'), 4))).toMatch(/^x\.npy: not a \.npy file/);
    expect(
      refusal(() => importVectorFile('n.npy', writeNpy(new Float32Array([1, Number.NaN]), [2]), 2)),
    ).toMatch(/non-finite value \(NaN\) at index 1/);
  });

  it('an unnamed file is recognised by its content', () => {
    const data = values(4);
    expect(importVectorFile('blob', exportVectorNpy({ data }), 4).data).toEqual(data);
    expect(importVectorFile('blob', utf8('[1, 2, 3, 4]'), 4).data).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(refusal(() => importVectorFile('notes.txt', utf8('hello'), 4))).toBe(
      'notes.txt: not a vector file (.npy or .json expected)',
    );
  });

  it('an empty file, or no model to check against, is refused', () => {
    expect(refusal(() => importVectorFile('e.npy', new Uint8Array(0), 4))).toBe('e.npy: the file is empty');
    expect(refusal(() => importVectorFile('e.npy', exportVectorNpy({ data: values(4) }), 0))).toMatch(
      /no model is loaded/,
    );
  });
});

describe('.json import', () => {
  it('a list of numbers, or one row of one', () => {
    expect(importVectorFile('v.json', utf8('[1, 2.5, -3, 0]'), 4)).toEqual({
      name: 'v',
      data: new Float32Array([1, 2.5, -3, 0]),
    });
    expect(importVectorFile('v.json', utf8('[[1, 2, 3, 4]]'), 4).data).toEqual(
      new Float32Array([1, 2, 3, 4]),
    );
  });

  it('{name, vector} and {vectors: [...]}', () => {
    const one = importVectorFile('f.json', utf8('{"name": " capital ", "vector": [1, 2]}'), 2);
    expect(one).toEqual({ name: 'capital', data: new Float32Array([1, 2]) });
    const many = importVectors(
      'f.json',
      utf8('{"vectors": [{"name": "a", "vector": [1, 2]}, {"vector": [3, 4]}]}'),
      2,
    );
    expect(many.map((v) => v.name)).toEqual(['a', 'f 2']);
    expect(many[1]!.data).toEqual(new Float32Array([3, 4]));
    expect(
      refusal(() => importVectorFile('f.json', utf8('{"vectors": [{"vector": [1]}, {"vector": [2]}]}'), 1)),
    ).toBe('f.json: holds 2 vectors, expected one');
  });

  it('refuses wrong sizes and values with the reason', () => {
    expect(refusal(() => importVectorFile('v.json', utf8('[1, 2, 3]'), 4))).toBe(
      'v.json: vector has 3 values, the model needs 4',
    );
    expect(refusal(() => importVectorFile('v.json', utf8('[1, null]'), 2))).toBe(
      'v.json: value 1 is null, not a finite number',
    );
    expect(refusal(() => importVectorFile('v.json', utf8('[1, "2"]'), 2))).toBe(
      'v.json: value 1 is "2", not a finite number',
    );
    expect(refusal(() => importVectorFile('v.json', utf8('[1, 2'), 2))).toMatch(/^v\.json: not valid JSON/);
    expect(refusal(() => importVectorFile('v.json', utf8('42'), 2))).toMatch(/expected a list of numbers/);
    expect(refusal(() => importVectorFile('v.json', utf8('{"name": "x"}'), 2))).toMatch(/no "vector"/);
    expect(refusal(() => importVectors('v.json', utf8('{"vectors": [{"vector": [1]}, 3]}'), 1))).toMatch(
      /vectors\[1\] is not an object/,
    );
    expect(refusal(() => importVectors('v.json', utf8('{"vectors": [{"vector": [1, 2, 3]}]}'), 2))).toBe(
      'v.json: vectors[0]: vector has 3 values, the model needs 2',
    );
    expect(refusal(() => importVectors('v.json', utf8('{"vectors": []}'), 2))).toMatch(/"vectors" is empty/);
    expect(refusal(() => importVectors('v.json', utf8('{"format": "other", "vector": [1]}'), 1))).toMatch(
      /unknown format "other"/,
    );
    expect(
      refusal(() =>
        importVectors('v.json', utf8('{"format": "lenslab-vectors", "version": 9, "vectors": []}'), 1),
      ),
    ).toMatch(/newer LensLab \(format version 9/);
  });
});

describe('.json export', () => {
  const recipe = {
    model: { source: 'hub' as const, repo: 'openai-community/gpt2-medium', revision: 'main' },
    prompt: 'Q: What is the capital of Poland?\nA:',
    block: 19,
    kind: 'ffn' as const,
  };

  it('writes the lenslab-vectors format', () => {
    const data = new Float32Array([3, 4]);
    const doc = JSON.parse(
      exportVectorsJson([entry('o_city', data, { recipe }), entry('imp', data, { importedFrom: 'x.npy' })]),
    );
    expect(doc).toEqual({
      format: 'lenslab-vectors',
      version: 1,
      vectors: [
        { name: 'o_city', recipe, norm: 5, data: [3, 4] },
        { name: 'imp', importedFrom: 'x.npy', norm: 5, data: [3, 4] },
      ],
    });
  });

  it('round-trips names, recipes and float32 values exactly', () => {
    const a = values(64, 3);
    const b = values(64, 4);
    const text = exportVectorsJson([entry('o_city', a, { recipe }), entry('other', b)]);
    const back = importVectors('all.json', utf8(text), 64);
    expect(back).toHaveLength(2);
    expect(back[0]).toEqual({ name: 'o_city', data: a, recipe });
    expect(back[1]).toEqual({ name: 'other', data: b });
    // a single exported vector is also a single-vector file
    expect(importVectorFile('one.json', utf8(exportVectorsJson([entry('x', a)])), 64).data).toEqual(a);
  });

  it('drops an incomplete recipe rather than trusting it', () => {
    const text = JSON.stringify({
      format: 'lenslab-vectors',
      version: 1,
      vectors: [{ name: 'x', recipe: { prompt: 'p', block: 'nine', kind: 'ffn' }, data: [1, 2] }],
    });
    expect(importVectorFile('x.json', utf8(text), 2)).toEqual({ name: 'x', data: new Float32Array([1, 2]) });
  });
});

const haveOvectors = existsSync(ovectorDir);
if (!haveOvectors) {
  console.warn(
    `vectorFiles.test: ${ovectorDir} is absent; skipping the import of the paper's released o-vectors`,
  );
}

describe.skipIf(!haveOvectors)("the paper's released o-vectors (../shared/reference/ovectors)", () => {
  const files = haveOvectors ? readdirSync(ovectorDir).filter((f) => f.endsWith('.npy')) : [];
  const read = (f: string) => new Uint8Array(readFileSync(path.join(ovectorDir, f)));

  it('gpt2-medium vectors are accepted at d=1024 and export back byte for byte', () => {
    const medium = files.filter((f) => f.endsWith('_gpt2-medium.npy'));
    expect(medium.length).toBeGreaterThanOrEqual(3);
    for (const f of medium) {
      const bytes = read(f);
      const v = importVectorFile(f, bytes, 1024);
      expect(v.name, f).toBe(f.replace(/\.npy$/, ''));
      expect(v.data.length, f).toBe(1024);
      const norm = vectorNorm(v.data);
      expect(norm, f).toBeGreaterThan(0.1);
      expect(norm, f).toBeLessThan(1e4);
      // numpy wrote these as float32 (1024,): our export is the same file
      expect(exportVectorNpy(v), f).toEqual(bytes);
    }
  });

  it('GPT-J vectors are refused at d=1024 with the reason', () => {
    const gptj = files.filter((f) => f.endsWith('_gptj.npy'));
    expect(gptj.length).toBeGreaterThanOrEqual(3);
    for (const f of gptj) {
      expect(refusal(() => importVectorFile(f, read(f), 1024))).toBe(
        `${f}: vector has shape (1, 4096) = 4096 values, the model needs 1024`,
      );
      // and accepted where they belong
      expect(importVectorFile(f, read(f), 4096).data.length).toBe(4096);
    }
  });
});
