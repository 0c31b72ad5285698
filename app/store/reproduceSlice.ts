/**
 * "Reproduce the paper": the three experiments on the loaded model, one after another, through the
 * experiment slice's own run (so each is stored, resumed and reopened like any run), each section
 * keeping its data sets' parts for the figures, the paper table and the report.
 */
import type { ExperimentSettings } from '../experiments/experimentSettings.ts';
import { type PaperFigure, reproducePlan } from '../experiments/reproduce/reproducePlan.ts';
import type { ExperimentPart } from './experimentSlice.ts';
import { sameSource } from './modelSlice.ts';
import type { SliceCreator } from './types.ts';

export type ReproduceStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

export interface ReproduceSection {
  figure: PaperFigure;
  settings: ExperimentSettings;
  status: ReproduceStatus;
  parts: ExperimentPart[];
  /** How the o-vector was obtained (released file, or captured here). */
  vectorNote?: string;
  error?: string;
}

export interface ReproduceState {
  status: ReproduceStatus;
  sections: ReproduceSection[];
  /** Examples per data set (undefined: all). */
  limit?: number;
  startedAt?: number;
  finishedAt?: number;
  modelGeneration: number;
}

export interface ReproduceSlice {
  reproduce: ReproduceState;
  setReproduceLimit(limit: number | undefined): void;
  runReproduction(): Promise<void>;
  cancelReproduction(): void;
}

export const createReproduceSlice: SliceCreator<ReproduceSlice> = (set, get) => {
  let cancelled = false;
  const patch = (p: Partial<ReproduceState>): void => set((s) => ({ reproduce: { ...s.reproduce, ...p } }));
  const patchSection = (index: number, p: Partial<ReproduceSection>): void =>
    set((s) => ({
      reproduce: {
        ...s.reproduce,
        sections: s.reproduce.sections.map((x, i) => (i === index ? { ...x, ...p } : x)),
      },
    }));

  /** o_city as the paper made it, on this model: reused when the library already has it. */
  const captureCity = async (prompt: string, block: number): Promise<string | undefined> => {
    const s = get();
    const held = s.vectors.find(
      (v) =>
        v.recipe &&
        v.recipe.prompt === prompt &&
        v.recipe.block === block &&
        v.recipe.kind === 'ffn' &&
        sameSource(v.recipe.model, s.modelSource),
    );
    if (held) return held.id;
    if (s.prompt !== prompt) s.setPrompt(prompt);
    return (await get().captureVector(block, 'ffn'))?.id;
  };

  return {
    reproduce: { status: 'idle', sections: [], modelGeneration: -1 },

    setReproduceLimit: (limit) => patch({ limit }),

    runReproduction: async () => {
      const s = get();
      if (s.modelStatus !== 'ready' || !s.info || s.reproduce.status === 'running') return;
      cancelled = false;
      const plan = reproducePlan(s.info, s.reproduce.limit);
      patch({
        status: 'running',
        startedAt: Date.now(),
        finishedAt: undefined,
        modelGeneration: s.modelGeneration,
        sections: plan.map((step) => ({
          figure: step.figure,
          settings: step.settings,
          status: 'idle',
          parts: [],
        })),
      });
      for (const [index, step] of plan.entries()) {
        if (cancelled) break;
        patchSection(index, { status: 'running' });
        let settings = step.settings;
        let vectorNote: string | undefined;
        if (step.capture) {
          const id = await captureCity(step.capture.prompt, step.capture.block);
          if (!id) {
            patchSection(index, { status: 'error', error: get().captureStatus?.message ?? 'capture failed' });
            continue;
          }
          settings = { ...settings, vector: id };
          vectorNote = `o_city captured on this model: FFN ${step.capture.block} output at the last position of the paper's Prompt A`;
        } else if (settings.vector) {
          vectorNote = `o_city: the authors' released file (${settings.vector.replace(/^asset:/, '')})`;
        }
        get().setExperimentSettings(settings);
        await get().runExperiment();
        const after = get();
        const parts = after.experimentParts;
        const failed = after.experimentError ?? parts.find((p) => p.status === 'error')?.error;
        const status: ReproduceStatus =
          parts.length && parts.every((p) => p.status === 'done') ? 'done' : failed ? 'error' : 'cancelled';
        patchSection(index, {
          settings,
          parts,
          status,
          ...(vectorNote ? { vectorNote } : {}),
          ...(failed ? { error: failed } : {}),
        });
      }
      const sections = get().reproduce.sections;
      patch({
        status: sections.every((x) => x.status === 'done') ? 'done' : cancelled ? 'cancelled' : 'error',
        finishedAt: Date.now(),
      });
    },

    cancelReproduction: () => {
      cancelled = true;
      get().cancelExperiment();
    },
  };
};
