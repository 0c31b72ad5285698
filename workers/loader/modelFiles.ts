/**
 * Gets a model's files: from a folder URL (the built-in model), or from the Hub through the cache.
 * A Hub model's config.json comes first, so the fit check runs on the real shape before any big file
 * streams; what stays in memory is only what the engine reads (no mask buffers), and nothing at all
 * when only the cache is filled ("Prepare for talk").
 */

import { configShape } from '../../models/arch/registry.ts';
import { KEEP_ALL, KEEP_NONE } from '../../models/fileBytes.ts';
import { GPT2_KEEP_POLICY } from '../../models/gpt2/weights.ts';
import { GPT2_FILES } from '../../models/hub/catalogue.ts';
import {
  DownloadError,
  downloadModelFiles,
  type FileCache,
  type FileReport,
  modelFilesFromDownload,
  planDownload,
  readCachedCopy,
  wholeFile,
} from '../../models/hub/download.ts';
import type { ModelShape } from '../../models/hub/fit.ts';
import type { HubLocation, LoadProgress, ModelLocation } from '../api.ts';
import type { ModelFiles } from '../engine/types.ts';

export interface AcquireOptions {
  signal: AbortSignal;
  onProgress?: ((p: LoadProgress) => void) | undefined;
  /** 'none': fill the cache, keep no bytes (prepare). */
  keep: 'model' | 'none';
  /** Called with the model's shape before the big files stream: throw to refuse. */
  check?: (shape: ModelShape) => void;
}

export interface Acquired {
  /** Absent when nothing was kept. */
  files?: ModelFiles;
  report?: FileReport[];
  notes: string[];
}

export interface FileSource {
  fetch: typeof fetch;
  /** Cache Storage in the browser; absent in an insecure context (files are then not kept). */
  cache?: FileCache;
  /** Resolves relative folder URLs (the worker's location). */
  baseUrl: string;
}

/** The shape the fit check needs, from config.json (a config the engine cannot read fails here). */
export function shapeOf(config: unknown, name: string): ModelShape {
  const c = configShape(config);
  return { nLayer: c.nLayer, nEmbd: c.nEmbd, vocabSize: c.vocabSize, nPositions: c.nPositions, name };
}

const json = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

export async function acquireFiles(
  source: FileSource,
  location: ModelLocation,
  options: AcquireOptions,
): Promise<Acquired> {
  if (location.kind === 'url') {
    const name = location.name ?? location.baseUrl.replace(/\/+$/, '').split('/').pop() ?? 'model';
    return { files: await fetchFolder(source, location.baseUrl, name, options), notes: [] };
  }
  return acquireHub(source, location, options);
}

async function fetchFolder(
  source: FileSource,
  baseUrl: string,
  name: string,
  options: AcquireOptions,
): Promise<ModelFiles> {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`, source.baseUrl);
  const get = async (file: string): Promise<Response> => {
    options.onProgress?.({ stage: 'fetch', file });
    const url = new URL(file, base);
    let response: Response;
    try {
      response = await source.fetch(url, { signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw new DownloadError(`Loading ${name} was cancelled`, 'cancelled', file);
      throw new DownloadError(
        `fetching ${url.pathname} failed: ${(error as Error).message}`,
        'network',
        file,
      );
    }
    if (!response.ok) {
      throw new DownloadError(
        `fetching ${url.pathname} failed: HTTP ${response.status}`,
        'http',
        file,
        url.href,
        response.status,
      );
    }
    return response;
  };
  const [config, safetensors, tokenizer] = await Promise.all([
    get('config.json').then((r) => r.json() as Promise<unknown>),
    get('model.safetensors').then(async (r) => new Uint8Array(await r.arrayBuffer())),
    get('tokenizer.json').then((r) => r.json() as Promise<unknown>),
  ]);
  options.check?.(shapeOf(config, name));
  return { name, config, safetensors, tokenizer };
}

async function acquireHub(
  source: FileSource,
  location: HubLocation,
  options: AcquireOptions,
): Promise<Acquired> {
  const notes: string[] = [];
  if (!source.cache) notes.push('Cache Storage is not available here: files are not cached between visits');
  const common = {
    hubUrl: location.hubUrl,
    repo: location.repo,
    revision: location.revision,
    fetch: source.fetch,
    ...(source.cache ? { cache: source.cache } : {}),
    signal: options.signal,
    onProgress: (p: Parameters<NonNullable<Parameters<typeof downloadModelFiles>[0]['onProgress']>>[0]) =>
      options.onProgress?.({ stage: 'download', ...p }),
  };
  // config.json first: the fit check needs the shape before gigabytes stream
  const first = await downloadModelFiles({ ...common, files: ['config.json'] });
  const configBytes = first.files.get('config.json')!;
  const config = json(wholeFile(configBytes, 'config.json'));
  const shape = shapeOf(config, location.name);
  const rest = GPT2_FILES.filter((f) => f !== 'config.json');
  const second = await downloadModelFiles({
    ...common,
    files: rest,
    keep: (file) =>
      options.keep === 'none' ? KEEP_NONE : file === 'model.safetensors' ? GPT2_KEEP_POLICY : KEEP_ALL,
    beforeTransfer: () => options.check?.(shape),
  });
  const report = [...first.report, ...second.report];
  for (const r of report) {
    if (r.refetchedBecause) notes.push(`${r.file}: the cached copy was unusable (${r.refetchedBecause})`);
    if (r.cacheError) notes.push(`${r.file}: could not be cached (${r.cacheError})`);
  }
  if (options.keep === 'none') return { report, notes };
  const all = new Map([...first.files, ...second.files]);
  return { files: modelFilesFromDownload(location.name, all), report, notes };
}

/** Size, cache state and config of a Hub model, without downloading its weights (nothing is cached). */
export async function inspectHub(
  source: FileSource,
  location: HubLocation,
  signal?: AbortSignal,
): Promise<{ bytes: number; cached: boolean; config: unknown }> {
  const common = {
    hubUrl: location.hubUrl,
    repo: location.repo,
    revision: location.revision,
    fetch: source.fetch,
    ...(signal ? { signal } : {}),
  };
  const plan = await planDownload({
    ...common,
    files: GPT2_FILES,
    ...(source.cache ? { cache: source.cache } : {}),
  });
  // the config from the cache when its copy checks out (nothing is repaired here: the load does that),
  // else from the Hub without storing it
  const fromCache = source.cache
    ? await readCachedCopy({ ...common, cache: source.cache, file: 'config.json' })
    : undefined;
  const configBytes =
    fromCache ?? (await downloadModelFiles({ ...common, files: ['config.json'] })).files.get('config.json')!;
  const config = json(wholeFile(configBytes, 'config.json'));
  // cached = every file has an entry; a damaged one is found and fetched again by the load itself
  const cached = plan.every((f) => f.from === 'cache');
  return { bytes: plan.reduce((sum, f) => sum + f.size, 0), cached, config };
}
