/** A lens store on the in-process engine with the experiment deps: public/data read from disk, results in memory. */
import { readFile } from 'node:fs/promises';
import {
  type ExperimentPersistence,
  memoryExperimentPersistence,
} from '../../app/experiments/experimentPersistence.ts';
import { createLensStore } from '../../app/store/lensStore.ts';
import type { ModelFiles } from '../../workers/engine/types.ts';
import { inProcessClient } from './inProcessClient.ts';

export const readPublicData = (file: string): Promise<string> =>
  readFile(new URL(`../../public/data/${file}`, import.meta.url), 'utf8');

export async function experimentStore<P extends ExperimentPersistence>(builtin: ModelFiles, persistence: P) {
  const client = inProcessClient({ builtin });
  const store = createLensStore({
    client,
    builtinUrl: '/generated/builtin/',
    fetch: async () => new Response(null, { status: 200 }),
    experiments: persistence,
    fetchData: readPublicData,
  });
  const loaded = await store.getState().loadModel({ source: 'builtin' });
  return { store, client, persistence, loaded };
}

export { memoryExperimentPersistence };
