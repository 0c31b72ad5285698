/**
 * "Prepare for talk": fetches every model file (in the engine worker, which keeps none of the bytes)
 * and vector file a deck needs into Cache Storage, verifies them (sha256 against the Hub's LFS hash where it gives one, the .npy parsed), and reports
 * what is ready, with sizes, so the talk itself needs no network.
 */

import type { FileReport } from '../../models/hub/download.ts';
import { formatBytes } from '../../models/hub/fit.ts';
import type { LoadProgress } from '../../workers/api.ts';
import type { ModelSource } from '../domain.ts';
import type { AppCacheResult } from '../offline/appCache.ts';
import { sourceName } from '../store/modelSlice.ts';
import type { VectorAssetLoader } from '../vectors/vectorAssets.ts';
import type { DeckV1 } from './deckTypes.ts';

export interface PreparedItem {
  /** 'app': the app's own files, so a reload without network starts it. */
  kind: 'app' | 'model' | 'vector';
  name: string;
  ok: boolean;
  bytes: number;
  /** e.g. "3 files, sha256 verified, from cache" or why it failed. */
  detail: string;
}

export interface PrepareReport {
  items: PreparedItem[];
  ok: boolean;
  totalBytes: number;
}

export interface PrepareOptions {
  /**
   * Downloads and verifies a Hub model's files into the cache: the lens store's prepareModel, which
   * has the engine worker do it (a refusal names why the model cannot run here).
   */
  prepareModel: (
    source: Extract<ModelSource, { source: 'hub' }>,
    onProgress?: (progress: LoadProgress) => void,
  ) => Promise<FileReport[]>;
  vectorAssets?: VectorAssetLoader;
  /** Caches the app's own files (offline/appCache.ts); absent where the app is not a built site. */
  appFiles?: (onProgress: (done: number, total: number) => void) => Promise<AppCacheResult>;
  onProgress?: (message: string) => void;
}

/** Every model and vector file the deck's slides (and their built-in stand-ins) use. */
export function deckNeeds(deck: DeckV1): { models: ModelSource[]; assets: string[] } {
  const models = new Map<string, ModelSource>();
  const assets = new Set<string>();
  for (const slide of deck.slides) {
    for (const state of [slide.state, slide.fallback]) {
      if (!state) continue;
      models.set(JSON.stringify(state.model), state.model);
      for (const v of state.vectors) {
        if (v.asset) assets.add(v.asset);
        if (v.recipe) models.set(JSON.stringify(v.recipe.model), v.recipe.model);
      }
    }
  }
  return { models: [...models.values()], assets: [...assets] };
}

/** The report line for something that could not be prepared: what was thrown, as the detail. */
const failedItem = (kind: PreparedItem['kind'], name: string, error: unknown): PreparedItem => ({
  kind,
  name,
  ok: false,
  bytes: 0,
  detail: error instanceof Error ? error.message : String(error),
});

export async function prepareDeck(deck: DeckV1, options: PrepareOptions): Promise<PrepareReport> {
  const { models, assets } = deckNeeds(deck);
  const items: PreparedItem[] = [];
  if (options.appFiles) {
    options.onProgress?.('Caching the app…');
    try {
      const app = await options.appFiles((done, total) =>
        options.onProgress?.(`Caching the app: ${done} of ${total} files`),
      );
      items.push({ kind: 'app', name: 'LensLab', ok: app.ok, bytes: app.bytes, detail: app.detail });
    } catch (error) {
      items.push(failedItem('app', 'LensLab', error));
    }
  }
  for (const model of models) {
    const name = sourceName(model);
    if (model.source === 'builtin') {
      items.push({ kind: 'model', name, ok: true, bytes: 0, detail: 'ships with the app' });
      continue;
    }
    options.onProgress?.(`Fetching ${name}…`);
    try {
      const report = await options.prepareModel(model, (p) => {
        if (p.stage === 'download' && p.totalBytes > 0)
          options.onProgress?.(
            `Fetching ${name}: ${formatBytes(p.loadedBytes)} of ${formatBytes(p.totalBytes)}`,
          );
      });
      const bytes = report.reduce((n, r) => n + r.size, 0);
      const fromCache = report.every((r) => r.from === 'cache');
      const verified = report.some((r) => r.verifiedAgainstHub === 'sha256')
        ? 'sha256 verified'
        : 'sizes verified';
      const notCached = report
        .filter((r) => r.cacheError)
        .map((r) => `${r.file} not cached (${r.cacheError})`);
      items.push({
        kind: 'model',
        name,
        ok: notCached.length === 0,
        bytes,
        detail: [
          `${report.length} files`,
          verified,
          fromCache ? 'already cached' : 'downloaded and cached',
          ...notCached,
        ].join(', '),
      });
    } catch (error) {
      items.push(failedItem('model', name, error));
    }
  }
  for (const asset of assets) {
    const name = asset.split('/').pop() ?? asset;
    if (!options.vectorAssets) {
      items.push({ kind: 'vector', name, ok: false, bytes: 0, detail: 'no vector files in this app' });
      continue;
    }
    try {
      const v = await options.vectorAssets.load(asset);
      items.push({
        kind: 'vector',
        name,
        ok: true,
        bytes: v.size,
        detail: `${v.data.length} values, ${v.from === 'cache' ? 'already cached' : 'downloaded and cached'}`,
      });
    } catch (error) {
      items.push(failedItem('vector', name, error));
    }
  }
  return { items, ok: items.every((i) => i.ok), totalBytes: items.reduce((n, i) => n + i.bytes, 0) };
}
