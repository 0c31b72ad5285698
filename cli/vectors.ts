/** Intervention spec files: JSON with vectors inline or as .npy / .json files beside the spec. */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { vectorFromNpy } from '../models/npy.ts';
import type { Intervention, InterventionSpec } from '../workers/engine/types.ts';
import { CliError } from './modelDir.ts';

export function readInterventionSpec(path: string, dModel: number): InterventionSpec {
  if (!existsSync(path)) throw new CliError(`intervention spec ${path} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new CliError(`${path}: the spec must be a JSON object`);
  const spec = raw as Record<string, unknown>;
  // a misspelt key would silently drop an intervention
  rejectUnknownKeys(spec, ['positions', 'ffn', 'attn'], path);
  const positions = spec.positions ?? 'all';
  if (positions !== 'all' && positions !== 'last') {
    throw new CliError(`${path}: "positions" must be "all" or "last" (got ${JSON.stringify(positions)})`);
  }
  const base = dirname(resolve(path));
  const kinds = (kind: 'ffn' | 'attn'): Record<number, Intervention> | undefined => {
    const entries = spec[kind];
    if (entries === undefined) return undefined;
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new CliError(`${path}: "${kind}" must map block numbers to interventions`);
    }
    const out: Record<number, Intervention> = {};
    for (const [block, value] of Object.entries(entries as Record<string, unknown>)) {
      const where = `${path}: ${kind}.${block}`;
      if (!/^\d+$/.test(block)) {
        throw new CliError(`${path}: "${kind}" key ${JSON.stringify(block)} is not a block number`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new CliError(`${where} must be an object`);
      }
      const v = value as Record<string, unknown>;
      rejectUnknownKeys(v, ['mode', 'vector', 'scale'], where);
      const mode = v.mode;
      if (mode !== 'replace' && mode !== 'add' && mode !== 'zero') {
        throw new CliError(`${where}: mode must be replace, add or zero (got ${JSON.stringify(mode)})`);
      }
      const intervention: Intervention = { mode };
      if (v.scale !== undefined) {
        if (typeof v.scale !== 'number') throw new CliError(`${where}: scale must be a number`);
        intervention.scale = v.scale;
      }
      if (mode !== 'zero') intervention.vector = loadVector(v.vector, base, dModel, where);
      out[Number(block)] = intervention;
    }
    return out;
  };
  const result: InterventionSpec = { positions };
  const ffn = kinds('ffn');
  const attn = kinds('attn');
  if (ffn) result.ffn = ffn;
  if (attn) result.attn = attn;
  return result;
}

/** One vector file (`--vector`): .npy as numpy writes it, or JSON (a list, or {"vector": [...]}). */
export function readVectorFile(path: string, dModel: number): Float32Array {
  return loadVector(basename(path), dirname(resolve(path)), dModel, '--vector');
}

function rejectUnknownKeys(object: Record<string, unknown>, known: string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw new CliError(`${where}: unknown key ${JSON.stringify(key)} (expected ${known.join(', ')})`);
    }
  }
}

function loadVector(value: unknown, base: string, dModel: number, where: string): Float32Array {
  if (Array.isArray(value)) {
    if (!value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new CliError(`${where}: vector must be a list of finite numbers`);
    }
    return checkLength(Float32Array.from(value as number[]), dModel, where);
  }
  if (typeof value !== 'string')
    throw new CliError(`${where}: vector must be a list of numbers or a file name`);
  const file = resolve(base, value);
  if (!existsSync(file)) throw new CliError(`${where}: vector file ${value} does not exist`);
  if (file.endsWith('.npy')) {
    try {
      return vectorFromNpy(new Uint8Array(readFileSync(file)), dModel, value);
    } catch (error) {
      throw new CliError(`${where}: ${(error as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`${where}: ${value} is neither .npy nor valid JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(json) ? json : (json as { vector?: unknown } | null)?.vector;
  if (!Array.isArray(list)) throw new CliError(`${where}: ${value} holds no list of numbers`);
  return loadVector(list.flat(), base, dModel, `${where} (${value})`);
}

function checkLength(vector: Float32Array, dModel: number, where: string): Float32Array {
  if (vector.length !== dModel) {
    throw new CliError(`${where}: vector has ${vector.length} values, the model's d_model is ${dModel}`);
  }
  return vector;
}
