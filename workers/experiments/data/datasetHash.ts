/**
 * Stable identities for resumable results: a data set's hash and the key a finished (or partial) run
 * is stored under (model and revision, experiment, data set hash, settings). SHA-256 through Web
 * Crypto, which browsers, workers and Node 20 all have.
 */
import type { Example } from '../types.ts';

/**
 * The data set as canonical JSONL: one `{"id","prompt","answer"[,"argument"]}` object per line, keys in
 * that order, each line ending in "\n". The built-in files are written exactly so, so their hash is
 * the sha256sum of the file.
 */
export function canonicalJsonl(examples: readonly Example[]): string {
  return examples
    .map((e) => {
      const row: Record<string, unknown> = { id: e.id, prompt: e.prompt, answer: e.answer };
      if (e.argument !== undefined) row.argument = e.argument;
      return `${JSON.stringify(row)}\n`;
    })
    .join('');
}

/** Hex SHA-256 of the canonical JSONL: the same examples give the same hash whatever file held them. */
export function datasetHash(examples: readonly Example[]): Promise<string> {
  return sha256Hex(new TextEncoder().encode(canonicalJsonl(examples)));
}

export interface ExperimentKeyParts {
  experiment: 'stages' | 'ovector' | 'sweep' | 'ablate';
  /** The model as loaded, e.g. "gpt2-medium", and its revision (a commit hash) where known. */
  model: string;
  revision?: string;
  datasetHash: string;
  /** The experiment's settings; typed arrays (vectors) count by value. */
  settings: unknown;
}

/** The key results are stored under: equal keys mean the same run, whatever the order of settings. */
export async function experimentKey(parts: ExperimentKeyParts): Promise<string> {
  const settings = await sha256Hex(new TextEncoder().encode(canonicalJson(parts.settings)));
  const model = `${parts.model}@${parts.revision ?? 'unknown'}`;
  return `lenslab-experiment/v1|${parts.experiment}|${model}|${parts.datasetHash}|${settings}`;
}

/** JSON with object keys sorted and typed arrays written as arrays. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as Float32Array);
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const object = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(object)
          .sort()
          .map((k) => [k, object[k]]),
      );
    }
    return v;
  });
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
