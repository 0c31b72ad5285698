/**
 * Vectors the app ships (public/vectors/, e.g. the paper's released o-vectors), fetched by their
 * path and kept in Cache Storage so that a prepared talk needs no network. Paths were checked by the
 * schema (isVectorAsset): relative, .npy, inside the vectors folder.
 */
import { CodedError } from '../../models/errors.ts';
import { NpyError, parseNpy, shapeRepr } from '../../models/npy.ts';
import { isVectorAsset } from '../url/stateSchema.ts';

const CACHE_NAME = 'lenslab-vectors-v1';

export interface AssetVector {
  data: Float32Array;
  /** Bytes of the file. */
  size: number;
  /** Where it came from this time. */
  from: 'cache' | 'network';
}

export class VectorAssetError extends CodedError<'bad-vector-asset'> {
  override name = 'VectorAssetError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'bad-vector-asset', options);
  }
}

export interface VectorAssetLoader {
  load(path: string): Promise<AssetVector>;
}

/** The vector in an .npy file's bytes: one dimension larger than 1, finite values. */
export function assetVectorFromNpy(bytes: Uint8Array, path: string): Float32Array {
  const { data, shape } = parseNpy(bytes, path);
  if (shape.filter((d) => d !== 1).length > 1)
    throw new NpyError(`${path}: shape ${shapeRepr(shape)} is not a vector`);
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i]!)) throw new NpyError(`${path}: value ${i} is not finite`);
  return data;
}

/**
 * Loads shipped vectors from `baseUrl` (the app's vectors/ folder), Cache Storage first. A cached
 * copy that does not parse is fetched again.
 */
export function vectorAssetLoader(
  baseUrl: string,
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
  storage: CacheStorage | undefined = globalThis.caches,
): VectorAssetLoader {
  const memo = new Map<string, Promise<AssetVector>>();
  const fetchOne = async (path: string): Promise<AssetVector> => {
    if (!isVectorAsset(path)) throw new VectorAssetError(`“${path}” is not a vector file of this app`);
    const url = new URL(path, baseUrl).href;
    const cache = storage ? await storage.open(CACHE_NAME).catch(() => undefined) : undefined;
    const cached = await cache?.match(url).catch(() => undefined);
    if (cached) {
      try {
        const bytes = new Uint8Array(await cached.arrayBuffer());
        return { data: assetVectorFromNpy(bytes, path), size: bytes.byteLength, from: 'cache' };
      } catch {
        // unusable copy: fetch it again below
      }
    }
    let response: Response;
    try {
      response = await fetchFn(url);
    } catch (error) {
      throw new VectorAssetError(
        `vector file ${path} could not be fetched: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!response.ok) throw new VectorAssetError(`vector file ${path}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const data = assetVectorFromNpy(bytes, path);
    await cache
      ?.put(url, new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } }))
      .catch(() => undefined);
    return { data, size: bytes.byteLength, from: 'network' };
  };
  return {
    load: (path) => {
      const known = memo.get(path);
      // once fetched, the file is in Cache Storage (and memory): later loads report it as cached
      if (known) return known.then((v) => ({ ...v, data: new Float32Array(v.data), from: 'cache' as const }));
      const p = fetchOne(path);
      memo.set(path, p);
      // a failure is not remembered: the next try may have a network
      p.catch(() => memo.delete(path));
      return p.then((v) => ({ ...v, data: new Float32Array(v.data) }));
    },
  };
}
