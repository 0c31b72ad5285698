/**
 * The app live, in Node: the real store and run controller (app/store) on the in-process engine
 * client, at a real model shape. Times what a user waits for after an edit (a prompt change) and a
 * drop (an intervention change): until the rank plot (the last position's lens, with the argument and
 * answer ranked) is up to date, and until the whole heatmap is in. Measured by watching the store, so
 * any run controller can be timed the same way (main's two-run control run included).
 */
import { trackedSeries } from '../app/charts/rankLayout.ts';
import type { Interventions, LensGrid } from '../app/domain.ts';
import { createLensStore, type LensState, type LensStore } from '../app/store/lensStore.ts';
import { DEFAULT_PROMPT_DEBOUNCE_MS, startRunController } from '../app/store/runController.ts';
import type { RunStats as StoreRunStats } from '../app/store/runSlice.ts';
import { inProcessClient } from '../tests/support/inProcessClient.ts';
import { type BenchBackend, loadRuntime, type RuntimeChoice, type Stats, stats, timeRuns } from './common.ts';
import type { ModelShape } from './fixture.ts';
import { dropBlocks, modelFiles } from './measure.ts';

type ViewField = 'control' | 'intervened';

/** ms from a change to the updated rank plot and to the complete heatmap, per view. */
type ViewTimes = Record<ViewField, { rankMs: number; heatmapMs: number }>;

export interface LiveFigures {
  promptTokens: number;
  /** The run controller's quiet time after a prompt edit (included in the edit figures). */
  debounceMs: number;
  reps: number;
  edit: { rankMs: Stats; heatmapMs: Stats };
  drop: { rankMs: Stats; heatmapMs: Stats; blocks: number[] };
  /** An edit while an intervention is applied: both views run again. */
  editIntervened: { controlRankMs: Stats; intervenedRankMs: Stats; heatmapMs: Stats };
  /** The store's own figures after the last edit and the last drop (when the controller keeps them). */
  storeStats: { edit: StoreRunStats; drop: StoreRunStats };
  discarded: number;
}

export interface LiveReps {
  warm: number;
  reps: number;
}

export function liveRepsFor(backend: BenchBackend, quick: boolean): LiveReps {
  // wasm compiles its hot functions later: a few more warm-up edits
  return { warm: backend === 'wasm' ? 2 : 1, reps: quick ? 2 : 3 };
}

const COUNTRIES = [
  ' Poland',
  ' Spain',
  ' Italy',
  ' Germany',
  ' Japan',
  ' Canada',
  ' Brazil',
  ' Egypt',
  ' Kenya',
  ' India',
  ' Peru',
  ' Chile',
  ' Greece',
  ' Norway',
  ' Sweden',
];
const ATTRIBUTES = ['capital', 'currency', 'language'];

/** A fresh prompt each call: the run controller caches finished runs by prompt. */
function promptMaker(): () => string {
  let n = 0;
  return () => {
    const country = COUNTRIES[n % COUNTRIES.length]!;
    const attribute = ATTRIBUTES[Math.floor(n / COUNTRIES.length) % ATTRIBUTES.length]!;
    n++;
    return `Q: What is the ${attribute} of France?\nA: Paris\nQ: What is the ${attribute} of${country}?\nA:`;
  };
}

function rankPlotUpToDate(st: LensState, grid: LensGrid): boolean {
  const series = trackedSeries(grid, st.tracked);
  return series.length === 2 && series.every((x) => x.ranks.every((r) => r !== undefined));
}

/**
 * Resolves once every view in `fields` shows a run newer than now, with its rank plot up to date and
 * its heatmap complete. Call it just before making the change.
 */
function watch(store: LensStore, fields: ViewField[], timeoutMs = 300_000): Promise<ViewTimes> {
  const t0 = performance.now();
  const before = store.getState();
  const seqBefore = { control: before.control?.seq ?? -1, intervened: before.intervened?.seq ?? -1 };
  const marks: Record<ViewField, { rankMs?: number; heatmapMs?: number }> = { control: {}, intervened: {} };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`the views did not update within ${timeoutMs} ms: ${JSON.stringify(marks)}`));
    }, timeoutMs);
    const check = (st: LensState): void => {
      const at = performance.now() - t0;
      for (const field of fields) {
        const view = st[field];
        if (!view || view.seq <= seqBefore[field]) continue;
        const mark = marks[field];
        // a control run proposes new tokens: the rank plot is up to date once they are the new run's
        const proposed = field !== 'control' || st.tracked !== before.tracked;
        if (mark.rankMs === undefined && proposed && rankPlotUpToDate(st, view.grid)) mark.rankMs = at;
        if (mark.heatmapMs === undefined && view.grid.complete && view.result) mark.heatmapMs = at;
      }
      if (fields.every((f) => marks[f].rankMs !== undefined && marks[f].heatmapMs !== undefined)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(marks as ViewTimes);
      }
    };
    const unsubscribe = store.subscribe(check);
  });
}

/** 6 middle blocks' FFNs replaced by the vector: what a drop onto a range of slots does. */
function dropOn(shape: ModelShape, vectorId: string): { interventions: Interventions; blocks: number[] } {
  const blocks = dropBlocks(shape);
  const slots = blocks.map((block) => ({ block, kind: 'ffn' as const, mode: 'replace' as const, vectorId }));
  return { interventions: { scope: 'all', slots }, blocks };
}

export async function measureLive(
  shape: ModelShape,
  choice: RuntimeChoice,
  reps: LiveReps,
  log: (line: string) => void,
): Promise<LiveFigures> {
  const runtime = await loadRuntime(choice);
  const { files } = modelFiles(shape);
  const client = inProcessClient({ builtin: files }, { ort: runtime.ort, options: runtime.options });
  const store = createLensStore({
    client,
    builtinUrl: '/generated/builtin/',
    hubUrl: 'http://hub.invalid',
    fetch: async () => new Response(null, { status: 503 }),
  });
  const controller = startRunController(store);
  const nextPrompt = promptMaker();
  store.getState().setPrompt(nextPrompt());
  const loadStart = performance.now();
  if (!(await store.getState().loadModel({ source: 'builtin' }))) throw new Error('the model did not load');
  await controller.idle();
  log(`load and first run ${(performance.now() - loadStart).toFixed(0)} ms`);
  const promptTokens = store.getState().tokens.length;

  const edit = async (fields: ViewField[]): Promise<ViewTimes> => {
    const done = watch(store, fields);
    store.getState().setPrompt(nextPrompt());
    const times = await done;
    await controller.idle();
    return times;
  };
  const edits = await timeRuns(reps.warm, reps.reps, () => edit(['control']));
  log(`edit -> rank plot ${stats(edits.values.map((t) => t.control.rankMs)).median.toFixed(0)} ms`);
  const editStats = store.getState().runStats;

  let drops = 0;
  let blocks: number[] = [];
  const dropRuns = await timeRuns(1, reps.reps, async () => {
    // a new vector each time (another block's captured output), as when the user drops another one
    const n = drops++;
    const vector = await store.getState().captureVector(n % shape.nLayer, n < shape.nLayer ? 'ffn' : 'attn');
    if (!vector) throw new Error('no vector was captured');
    await controller.idle();
    const drop = dropOn(shape, vector.id);
    blocks = drop.blocks;
    const done = watch(store, ['intervened']);
    store.getState().setInterventions(drop.interventions);
    const times = await done;
    await controller.idle();
    return times;
  });
  log(`drop -> rank plot ${stats(dropRuns.values.map((t) => t.intervened.rankMs)).median.toFixed(0)} ms`);
  const dropStats = store.getState().runStats;

  const both = await timeRuns(0, reps.reps, () => edit(['control', 'intervened']));
  controller.stop();
  await client.dispose();
  const of = (values: ViewTimes[], pick: (t: ViewTimes) => number): Stats => stats(values.map(pick));
  return {
    promptTokens,
    debounceMs: DEFAULT_PROMPT_DEBOUNCE_MS,
    reps: reps.reps,
    edit: {
      rankMs: of(edits.values, (t) => t.control.rankMs),
      heatmapMs: of(edits.values, (t) => t.control.heatmapMs),
    },
    drop: {
      rankMs: of(dropRuns.values, (t) => t.intervened.rankMs),
      heatmapMs: of(dropRuns.values, (t) => t.intervened.heatmapMs),
      blocks,
    },
    editIntervened: {
      controlRankMs: of(both.values, (t) => t.control.rankMs),
      intervenedRankMs: of(both.values, (t) => t.intervened.rankMs),
      heatmapMs: of(both.values, (t) => Math.max(t.control.heatmapMs, t.intervened.heatmapMs)),
    },
    storeStats: { edit: editStats, drop: dropStats },
    discarded: edits.discarded + dropRuns.discarded + both.discarded,
  };
}
