/**
 * The store, the run controller and the URL projection against the real engine (onnxruntime-node,
 * in process): streaming, proposals, capture, interventions (re-run, cancel), links, loads, fallback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { VectorEntry } from '../app/domain.ts';
import { arrivedCells } from '../app/store/grid.ts';
import { createLensStore, type LensStore } from '../app/store/lensStore.ts';
import { type RunController, startRunController } from '../app/store/runController.ts';
import type { VectorPersistence } from '../app/store/types.ts';
import { openLink, toSharedState } from '../app/store/urlSync.ts';
import { encodeState } from '../app/url/codec.ts';
import { writeNpy } from '../models/npy.ts';
import { testCheckpoint } from './support/checkpoints.ts';
import { type InProcessClient, inProcessClient } from './support/inProcessClient.ts';

const builtin = testCheckpoint('builtin', { nLayer: 2, nEmbd: 32, nHead: 2, nPositions: 48, seed: 3 }).files;
const medium = testCheckpoint('gpt2-medium', {
  nLayer: 3,
  nEmbd: 32,
  nHead: 2,
  nPositions: 48,
  seed: 4,
}).files;
const MODELS = { builtin, 'openai-community/gpt2-medium': medium };
const MEDIUM = { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' } as const;

function memoryPersistence(): VectorPersistence & { saved: Map<string, VectorEntry> } {
  const saved = new Map<string, VectorEntry>();
  return {
    saved,
    load: async () => [...saved.values()],
    save: async (entry) => {
      saved.set(entry.id, entry);
    },
    remove: async (id) => {
      saved.delete(id);
    },
  };
}

interface Setup {
  store: LensStore;
  client: InProcessClient;
  controller: RunController;
  persistence: ReturnType<typeof memoryPersistence>;
  downloads: Array<{ blob: Blob; name: string }>;
}

const live: Setup[] = [];
afterEach(async () => {
  for (const s of live.splice(0)) {
    s.controller.stop();
    await s.client.dispose();
  }
});

function setup(): Setup {
  const client = inProcessClient(MODELS);
  const persistence = memoryPersistence();
  const downloads: Setup['downloads'] = [];
  const store = createLensStore({
    client,
    builtinUrl: '/generated/builtin/',
    hubUrl: 'http://hub.test',
    persistence,
    fetch: async () => new Response(null, { status: 200 }),
    download: (blob, name) => downloads.push({ blob, name }),
  });
  const controller = startRunController(store, { promptDebounceMs: 20, statesPerChunk: 2 });
  const s = { store, client, controller, persistence, downloads };
  live.push(s);
  return s;
}

async function ready(s: Setup) {
  expect(await s.store.getState().loadModel({ source: 'builtin' })).toBe(true);
  await s.controller.idle();
}

const runs = (client: InProcessClient) => client.calls.filter((c) => c.method === 'run');

describe('run controller', () => {
  it('streams the heatmap row by row, the last position first with the proposals and stages, in one run', async () => {
    const s = setup();
    const arrived: number[] = [];
    s.store.subscribe((st) => {
      const grid = st.control?.grid;
      if (grid && arrived[arrived.length - 1] !== arrivedCells(grid)) arrived.push(arrivedCells(grid));
    });
    await ready(s);
    const st = s.store.getState();
    const control = st.control!;
    const nStates = 2 * 2 + 1;
    expect(control.grid.complete).toBe(true);
    expect(st.tokens.length).toBeGreaterThan(10);
    // the last position's 5 states first, then the rest in chunks of 2: several steps before complete
    expect(arrived.find((n) => n > 0)).toBe(nStates);
    expect(arrived.filter((n) => n > 0 && n < nStates * st.tokens.length).length).toBeGreaterThanOrEqual(2);
    // one engine run: the candidates and the model's prediction tracked at the last position only
    const [run, ...more] = runs(s.client).map((c) => c.request!);
    expect(more).toEqual([]);
    expect(run).toMatchObject({
      positions: 'all',
      lastPositionFirst: true,
      statesPerChunk: 2,
      capture: true,
      reuseTrunk: true,
      track: [],
      trackAtLast: st.candidates,
      trackPrediction: true,
    });
    // the rank plot was up to date while the heatmap was still coming in
    const rank = st.runStats.controlRank!;
    expect(rank.seq).toBe(control.seq);
    expect(rank.cells).toBe(nStates);
    expect(rank.ofCells).toBe(nStates * st.tokens.length);
    expect(rank.ms).toBeLessThanOrEqual(st.runStats.controlMs!);
    const last = control.result!.prompts[0]!.states;
    expect(last).toHaveLength(nStates);
    const answer = st.tracked.answer!;
    expect(answer.id).toBe(last[nStates - 1]!.top[0]!.id);
    expect(answer.proposed).toBe(true);
    // the argument comes from the prompt and is not the answer
    expect(st.tokens.map((t) => t.id)).toContain(st.tracked.argument!.id);
    expect(st.tracked.argument!.id).not.toBe(answer.id);
    // every state of the last position knows the exact rank of both tokens
    for (const state of last) expect(state.tracked.map((t) => t.id)).toContain(answer.id);
    expect(st.stages).toBeDefined();
    expect(st.capture?.ffn).toHaveLength(2);
    expect(st.running).toBe(false);
  });

  it('debounces typing into one run, and shows a too-long prompt as an error without losing state', async () => {
    const s = setup();
    await ready(s);
    const before = runs(s.client).length;
    for (const text of ['a', 'ab', 'abc', 'abc d']) s.store.getState().setPrompt(text);
    await s.controller.idle();
    expect(runs(s.client).length - before).toBe(1); // the control run, once
    expect(
      s.store
        .getState()
        .tokens.map((t) => t.text)
        .join(''),
    ).toBe('abc d');

    const long = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    s.store.getState().setPrompt(long);
    await s.controller.idle();
    const st = s.store.getState();
    expect(st.runError?.code).toBe('prompt-too-long');
    expect(st.control).toBeUndefined();
    expect(st.prompt).toBe(long);
  });

  it('pins a typed token, and explains a multi-token one', async () => {
    const s = setup();
    await ready(s);
    expect(await s.store.getState().setPin('answer', ' Paris')).toBe(true);
    await s.controller.idle();
    const st = s.store.getState();
    expect(st.tracked.answer).toMatchObject({ text: ' Paris', proposed: false });
    const control = runs(s.client).at(-1)!.request!;
    // pinned: tracked at every position, and no prediction to follow
    expect(control.track).toEqual([st.tracked.answer!.id]);
    expect(control.trackPrediction).toBe(false);
    for (const state of st.control!.result!.prompts[0]!.states)
      expect(state.tracked.map((t) => t.id)).toContain(st.tracked.answer!.id);
    expect(await s.store.getState().setPin('argument', 'capital of Poland')).toBe(false);
    expect(s.store.getState().pinError).toMatchObject({ field: 'argument' });
    expect(s.store.getState().pinError!.message).toMatch(/is 3 tokens/);
  });
});

describe('vectors and interventions', () => {
  it('captures an o-vector with its recipe, promotes and a default name, and keeps it', async () => {
    const s = setup();
    await ready(s);
    const runsBefore = runs(s.client).length;
    const entry = (await s.store.getState().captureVector(1, 'ffn'))!;
    // the control run's capture is used: no extra run
    expect(runs(s.client).length).toBe(runsBefore);
    expect(entry.recipe).toEqual({
      model: { source: 'builtin' },
      prompt: s.store.getState().prompt,
      block: 1,
      kind: 'ffn',
    });
    expect(entry.data).toHaveLength(32);
    expect(entry.data).toEqual(s.store.getState().capture!.ffn[1]);
    expect(entry.norm).toBeGreaterThan(0);
    expect(entry.promotes).toHaveLength(5);
    expect(entry.name).toMatch(/^o: .+→.+ FFN 1$/);
    expect(s.persistence.saved.get(entry.id)).toBeDefined();
  });

  it('re-runs only the intervened view on an intervention change, cancelling a stale run', async () => {
    const s = setup();
    await ready(s);
    const entry = (await s.store.getState().captureVector(1, 'ffn'))!;
    s.store.getState().setPrompt('table mug free China table mug free China table mug free');
    await s.controller.idle();
    const before = runs(s.client).length;
    s.client.delayRuns(30);
    s.store.getState().assign([0, 1], 'ffn', entry.id);
    await new Promise((r) => setTimeout(r, 10));
    // superseded while its run waits: aborted before it reaches the engine
    s.store.getState().updateSlot(0, 'ffn', { mode: 'add', scale: 2 });
    await s.controller.idle();
    const after = runs(s.client)
      .slice(before)
      .map((c) => c.request!);
    expect(after).toHaveLength(2);
    expect(after.every((r) => r.positions === 'all' && r.intervention)).toBe(true);
    expect(s.client.aborted).toBeGreaterThanOrEqual(1);
    const st = s.store.getState();
    const spec = after[1]!.intervention!;
    expect(spec.ffn?.[0]).toMatchObject({ mode: 'add', scale: 2 });
    expect(spec.ffn?.[1]).toMatchObject({ mode: 'replace' });
    expect(st.intervened?.grid.complete).toBe(true);
    expect(st.intervened?.result?.prompts[0]?.byPosition).toHaveLength(st.tokens.length);
    // the control view was not run again
    expect(st.control!.seq).toBeLessThan(st.intervened!.seq);
    // removing the vector drops its slots and the intervened view
    s.store.getState().deleteVector(entry.id);
    await s.controller.idle();
    expect(s.store.getState().interventions.slots).toEqual([]);
    expect(s.store.getState().intervened).toBeUndefined();
  });

  it('imports .npy vectors of the right size and refuses others with the reason', async () => {
    const s = setup();
    await ready(s);
    const good = new File(
      [writeNpy(new Float32Array(32).fill(0.5), [32]) as Uint8Array<ArrayBuffer>],
      'o_city.npy',
    );
    const bad = new File([writeNpy(new Float32Array(16), [16]) as Uint8Array<ArrayBuffer>], 'small.npy');
    await s.store.getState().importVectorFiles([good, bad]);
    const st = s.store.getState();
    expect(st.vectors.map((v) => v.name)).toEqual(['o_city']);
    expect(st.vectors[0]!.promotes).toHaveLength(5);
    expect(st.importError).toMatch(/small\.npy/);
    st.exportVector(st.vectors[0]!.id, 'npy');
    expect(s.downloads[0]!.name).toBe('o_city.npy');
  });
});

describe('links', () => {
  it('round-trips the state; recipe vectors are recomputed on the same model', async () => {
    const a = setup();
    await ready(a);
    const entry = (await a.store.getState().captureVector(0, 'attn'))!;
    a.store.getState().setPrompt('table mug free China table mug free');
    await a.controller.idle();
    a.store.getState().assign([1], 'ffn', entry.id);
    a.store.getState().setRows('all');
    await a.store.getState().setPin('answer', ' Paris');
    await a.controller.idle();
    const hash = await encodeState(toSharedState(a.store.getState()));

    const b = setup();
    await b.store.getState().loadLibrary();
    const link = (await openLink(b.store, `#${hash}`))!;
    expect(link.model).toEqual({ source: 'builtin' });
    let st = b.store.getState();
    expect(st.linkProblems).toEqual([]);
    expect(st.prompt).toBe('table mug free China table mug free');
    expect(st.view.rows).toBe('all');
    expect(st.pendingVectors.map((v) => v.id)).toEqual([entry.id]);
    expect(st.pins.answer?.id).toBe(a.store.getState().tracked.answer!.id);
    await b.store.getState().loadModel(link.model);
    await b.controller.idle();
    await b.store.getState().materializeVectors();
    await b.controller.idle();
    st = b.store.getState();
    expect(st.pendingVectors).toEqual([]);
    const made = st.vectors.find((v) => v.id === entry.id)!;
    expect(Array.from(made.data)).toEqual(Array.from(entry.data));
    expect(st.intervened?.result).toBeDefined();
    const tops = (x: LensStore) =>
      x.getState().intervened!.result!.prompts[0]!.states.map((state) => state.top[0]!.id);
    expect(tops(b.store)).toEqual(tops(a.store));
    expect(await encodeState(toSharedState(st))).toBe(hash);
  });

  it('reports what a damaged link could not carry', async () => {
    const s = setup();
    await openLink(s.store, '#s1.not-a-real-link');
    expect(s.store.getState().linkProblems[0]).toMatch(/could not decode the link/);
  });
});

describe('model loads', () => {
  it('keeps the loaded model when a Hub download fails, offers the built-in one, and switches on success', async () => {
    const s = setup();
    await ready(s);
    s.client.failNextLoad('http', 'model.safetensors: HTTP 503 from http://hub.test/...');
    expect(await s.store.getState().loadModel(MEDIUM)).toBe(false);
    let st = s.store.getState();
    expect(st.modelStatus).toBe('ready');
    expect(st.modelSource).toEqual({ source: 'builtin' });
    expect(st.loadError).toMatchObject({ code: 'http' });
    const loads = s.client.calls.filter((c) => c.method === 'load').length;
    expect(await st.chooseBuiltin()).toBe(true);
    expect(s.client.calls.filter((c) => c.method === 'load').length).toBe(loads);
    expect(s.store.getState().loadError).toBeUndefined();

    s.client.failNextLoad('load-cancelled');
    expect(await s.store.getState().loadModel(MEDIUM)).toBe(false);
    expect(s.store.getState().loadError).toBeUndefined();

    expect(await s.store.getState().loadModel(MEDIUM)).toBe(true);
    await s.controller.idle();
    st = s.store.getState();
    expect(st.info?.nLayer).toBe(3);
    expect(st.selectedModel).toBe('gpt2-medium');
    expect(st.control?.grid.nLayer).toBe(3);
    expect(st.control?.result?.prompts[0]?.states).toHaveLength(7);
  });

  it('offers gpt2-medium once the Hub answers', async () => {
    const s = setup();
    expect(await s.store.getState().checkHub()).toBe(true);
    expect(s.store.getState().selectedModel).toBe('gpt2-medium');
  });

  it('says so when the worker moved the model to wasm, keeping the results', async () => {
    const s = setup();
    await ready(s);
    s.store.setState({ backend: 'webgpu' });
    s.client.fallBackNextRun('the GPU device was lost');
    s.store.getState().rerun();
    await s.controller.idle();
    const st = s.store.getState();
    expect(st.backend).toBe('wasm');
    expect(st.backendNote).toMatch(/GPU device was lost/);
    expect(st.control?.result).toBeDefined();
  });
});
