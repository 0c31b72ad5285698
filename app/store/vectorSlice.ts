/**
 * The o-vector library: captured and imported vectors, persisted between visits, and vectors from a
 * shared link waiting to be recomputed from their recipe.
 */

import type { SublayerKind, VectorEntry, VectorRecipe } from '../domain.ts';
import { downloadBlob } from '../download.ts';
import type { EngineClient } from '../engineClient.ts';
import type { SharedVector } from '../url/stateSchema.ts';
import {
  exportFileName,
  exportVectorNpy,
  exportVectorsJson,
  importVectors,
  vectorNorm,
} from '../vectors/vectorFiles.ts';
import { sameSource } from './modelSlice.ts';
import { defaultVectorName } from './tracking.ts';
import { type SliceCreator, type StoreDeps, toAppError } from './types.ts';

/** Tokens shown as what a vector promotes. */
export const PROMOTES_K = 5;
const NAME_MAX = 100;

export interface VectorSlice {
  vectors: VectorEntry[];
  importError?: string;
  pickedVectorId?: string;
  /** What a click on a heatmap row captures at a block row. */
  captureKind: SublayerKind;
  /** The last capture's outcome, for the capture panel ('capture-status'). */
  captureStatus?: { ok: boolean; message: string };
  /** Vectors of a shared link that still need their recipe run (another model, or not loaded yet). */
  pendingVectors: SharedVector[];
  /** The library has been read from storage. */
  libraryLoaded: boolean;
  /** Vectors of a deck: shown and used, never saved to the library (the deck keeps them). */
  transientVectorIds: string[];
  setCaptureKind(kind: SublayerKind): void;
  /** Captures `kind` of `block` at the last position of the current prompt into the library. */
  captureVector(block: number, kind?: SublayerKind): Promise<VectorEntry | undefined>;
  addVectors(entries: VectorEntry[], persist?: boolean): void;
  /**
   * A link's or deck's vectors that wait for their model (recipes), replacing earlier ones of the same
   * id; `transientIds` belong to a deck and are never saved to the library.
   */
  addPendingVectors(pending: SharedVector[], transientIds: string[]): void;
  renameVector(id: string, name: string): void;
  deleteVector(id: string): void;
  importVectorFiles(files: File[]): Promise<void>;
  exportVector(id: string, format: 'npy' | 'json'): void;
  exportAllVectors(): void;
  pickVector(id: string | undefined): void;
  loadLibrary(): Promise<void>;
  /** Recomputes pending link vectors whose recipe is for the loaded model; fills missing promotes. */
  materializeVectors(): Promise<void>;
}

export function newVectorId(): string {
  const random = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `v${Date.now().toString(36)}${random}`;
}

interface PromptCapture {
  ffn: Float32Array[];
  attn: Float32Array[];
  tokens: { id: number; text: string }[];
}

/** Every block's FFN and attention output at the last position of `prompt` (what recipes take). */
async function captureLastPosition(client: EngineClient, prompt: string): Promise<PromptCapture> {
  const tokens = await client.tokenize(prompt);
  const result = await client.run({
    prompts: [tokens.map((t) => t.id)],
    capture: true,
    positions: 'last',
    topK: 1,
    reuseTrunk: true,
  });
  const capture = result.prompts[0]?.capture;
  if (!capture) throw new Error('the engine returned no capture');
  return { ...capture, tokens };
}

export function createVectorSlice(deps: StoreDeps): SliceCreator<VectorSlice> {
  const persistence = deps.persistence;
  const download = deps.download ?? downloadBlob;
  const persist = (entry: VectorEntry): void => {
    void persistence?.save(entry).catch((error: unknown) => console.warn('[lenslab] saving a vector', error));
  };

  /** One capture per (prompt): the FFN and attention outputs of every block at the last position. */
  const captureOf = (prompt: string): Promise<PromptCapture> => captureLastPosition(deps.client, prompt);

  const promotesOf = async (data: Float32Array[]): Promise<VectorEntry['promotes'][]> => {
    if (data.length === 0) return [];
    // copies: the worker may take (transfer) what it is sent
    const decoded = await deps.client.decodeVectors(
      data.map((d) => new Float32Array(d)),
      PROMOTES_K,
    );
    return decoded.map((d) => d.top);
  };

  return (set, get) => ({
    vectors: [],
    captureKind: 'ffn',
    pendingVectors: [],
    addPendingVectors: (pending, transientIds) => {
      const ids = new Set(pending.map((p) => p.id));
      set((st) => ({
        pendingVectors: [...st.pendingVectors.filter((p) => !ids.has(p.id)), ...pending],
        ...(transientIds.length > 0
          ? { transientVectorIds: [...new Set([...st.transientVectorIds, ...transientIds])] }
          : {}),
      }));
    },
    libraryLoaded: false,
    transientVectorIds: [],

    setCaptureKind: (captureKind) => set({ captureKind }),

    captureVector: async (block, kindIn) => {
      const s = get();
      const kind = kindIn ?? s.captureKind;
      if (s.modelStatus !== 'ready' || !s.info) {
        set({ captureStatus: { ok: false, message: 'Load a model first.' } });
        return undefined;
      }
      if (!Number.isInteger(block) || block < 0 || block >= s.info.nLayer) {
        set({
          captureStatus: {
            ok: false,
            message: `Block ${block}: this model has blocks 0-${s.info.nLayer - 1}.`,
          },
        });
        return undefined;
      }
      const prompt = s.prompt;
      const generation = s.modelGeneration;
      try {
        // the control run captures every block; use it when it is for this very prompt and model
        const held =
          s.capture?.prompt === prompt && s.capture.generation === generation ? s.capture : undefined;
        const capture = held ?? (await captureOf(prompt));
        const source = kind === 'ffn' ? capture.ffn : capture.attn;
        const data = new Float32Array(source[block]!);
        const [promotes = []] = await promotesOf([data]);
        const after = get();
        const recipe: VectorRecipe = { model: after.modelSource, prompt, block, kind };
        const entry: VectorEntry = {
          id: newVectorId(),
          name: defaultVectorName(block, kind, after.tracked, capture.tokens).slice(0, NAME_MAX),
          recipe,
          data,
          norm: vectorNorm(data),
          promotes,
          createdAt: Date.now(),
        };
        get().addVectors([entry]);
        set({ captureStatus: { ok: true, message: `Captured “${entry.name}”.` } });
        return entry;
      } catch (error) {
        set({ captureStatus: { ok: false, message: `Capture failed: ${toAppError(error).message}` } });
        return undefined;
      }
    },

    addVectors: (entries, save = true) => {
      if (entries.length === 0) return;
      const ids = new Set(entries.map((e) => e.id));
      set((s) => ({ vectors: [...s.vectors.filter((v) => !ids.has(v.id)), ...entries] }));
      if (save) for (const entry of entries) persist(entry);
    },

    renameVector: (id, name) => {
      const trimmed = name.trim().slice(0, NAME_MAX);
      if (!trimmed) return;
      set((s) => ({ vectors: s.vectors.map((v) => (v.id === id ? { ...v, name: trimmed } : v)) }));
      const entry = get().vectors.find((v) => v.id === id);
      if (entry) persist(entry);
    },

    deleteVector: (id) => {
      set((s) => ({
        vectors: s.vectors.filter((v) => v.id !== id),
        // a slot without its vector would do nothing: drop it with the vector
        interventions: {
          ...s.interventions,
          slots: s.interventions.slots.filter((sl) => sl.vectorId !== id),
        },
        ...(s.pickedVectorId === id ? { pickedVectorId: undefined } : {}),
      }));
      void persistence?.remove(id).catch(() => undefined);
    },

    importVectorFiles: async (files) => {
      const dModel = get().info?.nEmbd;
      const errors: string[] = [];
      const imported: VectorEntry[] = [];
      for (const file of files) {
        try {
          const bytes = new Uint8Array(await file.arrayBuffer());
          const vectors = importVectors(file.name, bytes, dModel ?? 0);
          for (const v of vectors) {
            imported.push({
              id: newVectorId(),
              name: v.name.slice(0, NAME_MAX),
              ...(v.recipe ? { recipe: v.recipe } : {}),
              importedFrom: file.name,
              data: v.data,
              norm: vectorNorm(v.data),
              promotes: [],
              createdAt: Date.now(),
            });
          }
        } catch (error) {
          errors.push(toAppError(error).message);
        }
      }
      try {
        const promotes = await promotesOf(imported.map((v) => v.data));
        imported.forEach((v, i) => {
          v.promotes = promotes[i] ?? [];
        });
      } catch {
        // promotes are a nicety: the vectors are usable without them
      }
      get().addVectors(imported);
      set({ importError: errors.length > 0 ? errors.join('\n') : undefined });
    },

    exportVector: (id, format) => {
      const entry = get().vectors.find((v) => v.id === id);
      if (!entry) return;
      const blob =
        format === 'npy'
          ? new Blob([exportVectorNpy(entry) as Uint8Array<ArrayBuffer>], {
              type: 'application/octet-stream',
            })
          : new Blob([exportVectorsJson([entry])], { type: 'application/json' });
      download(blob, exportFileName(entry.name, format));
    },

    exportAllVectors: () => {
      const vectors = get().vectors;
      if (vectors.length === 0) return;
      download(new Blob([exportVectorsJson(vectors)], { type: 'application/json' }), 'lenslab-vectors.json');
    },

    pickVector: (id) => set({ pickedVectorId: id }),

    loadLibrary: async () => {
      try {
        const stored = (await persistence?.load()) ?? [];
        set((s) => {
          const present = new Set(s.vectors.map((v) => v.id));
          const pending = new Set(stored.map((v) => v.id));
          return {
            // vectors of the link (already present) win over stored ones with the same id
            vectors: [...stored.filter((v) => !present.has(v.id)), ...s.vectors],
            pendingVectors: s.pendingVectors.filter((p) => !pending.has(p.id)),
            libraryLoaded: true,
          };
        });
      } catch (error) {
        console.warn('[lenslab] reading the vector library failed', error);
        set({ libraryLoaded: true });
      }
    },

    materializeVectors: async () => {
      const s = get();
      if (s.modelStatus !== 'ready' || !s.info) return;
      const generation = s.modelGeneration;
      const ready = s.pendingVectors.filter((p) => p.recipe && sameSource(p.recipe.model, s.modelSource));
      const made: VectorEntry[] = [];
      const problems: string[] = [];
      const byPrompt = new Map<string, SharedVector[]>();
      for (const p of ready) byPrompt.set(p.recipe!.prompt, [...(byPrompt.get(p.recipe!.prompt) ?? []), p]);
      for (const [prompt, group] of byPrompt) {
        try {
          const capture = await captureOf(prompt);
          for (const p of group) {
            const r = p.recipe!;
            const source = r.kind === 'ffn' ? capture.ffn : capture.attn;
            const block = source[r.block];
            if (!block) {
              problems.push(`vector “${p.name}”: block ${r.block} is not in this model`);
              continue;
            }
            const data = new Float32Array(block);
            made.push({
              id: p.id,
              name: p.name,
              recipe: r,
              data,
              norm: vectorNorm(data),
              promotes: [],
              createdAt: Date.now(),
            });
          }
        } catch (error) {
          problems.push(`vectors of prompt “${prompt.slice(0, 40)}”: ${toAppError(error).message}`);
        }
      }
      // vectors without promotes (made above, or from link data): decode them on this model
      const nEmbd = s.info.nEmbd;
      const targets = [
        ...made,
        ...get().vectors.filter((v) => v.promotes.length === 0 && v.data.length === nEmbd),
      ];
      let decoded: VectorEntry['promotes'][] = [];
      try {
        decoded = await promotesOf(targets.map((v) => v.data));
      } catch {
        // see importVectorFiles
      }
      if (get().modelGeneration !== generation) return;
      const filled = targets.map((v, i) => ({ ...v, promotes: decoded[i] ?? v.promotes }));
      const fresh = filled.slice(0, made.length);
      const updated = new Map(filled.slice(made.length).map((v) => [v.id, v]));
      const done = new Set(ready.map((p) => p.id));
      set((st) => ({
        vectors: st.vectors.map((v) => updated.get(v.id) ?? v),
        pendingVectors: st.pendingVectors.filter((p) => !done.has(p.id)),
        linkProblems: [...st.linkProblems, ...problems],
      }));
      const transient = new Set(get().transientVectorIds);
      for (const v of updated.values()) if (!transient.has(v.id)) persist(v);
      get().addVectors(fresh.filter((v) => !transient.has(v.id)));
      get().addVectors(
        fresh.filter((v) => transient.has(v.id)),
        false,
      );
    },
  });
}
