/** A link's model: loaded at once from the cache, otherwise offered and loaded only on the user's word. */
import { afterEach, describe, expect, it } from 'vitest';
import { createLensStore, type LensStore } from '../app/store/lensStore.ts';
import { toSharedState } from '../app/store/urlSync.ts';
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
const MEDIUM = { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' } as const;

const clients: InProcessClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.dispose();
});

function setup(): { store: LensStore; client: InProcessClient } {
  const client = inProcessClient({ builtin, 'openai-community/gpt2-medium': medium });
  clients.push(client);
  return { store: createLensStore({ client, builtinUrl: 'http://app.test/builtin/' }), client };
}

const loads = (client: InProcessClient) =>
  client.calls
    .filter((c) => c.method === 'load')
    .map((c) => (c.location?.kind === 'hub' ? c.location.repo : 'builtin'));

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('a link names a Hub model', () => {
  it('not cached: it is offered with its size, the built-in model loads meanwhile, nothing else until accepted', async () => {
    const { store, client } = setup();
    expect(await store.getState().openLinkedModel(MEDIUM)).toBe('pending');
    const pending = store.getState().pendingModel;
    expect(pending?.source).toEqual(MEDIUM);
    expect(pending?.inspection).toMatchObject({ name: 'gpt2-medium', cached: false });
    await until(() => store.getState().modelStatus === 'ready');
    expect(store.getState().modelSource).toEqual({ source: 'builtin' });
    expect(loads(client)).toEqual(['builtin']);
    expect(store.getState().selectedModel).toBe('gpt2-medium');
    // the link still names the offered model: a reload now offers it again
    expect(toSharedState(store.getState()).model).toEqual(MEDIUM);

    expect(await store.getState().acceptPendingModel()).toBe(true);
    expect(toSharedState(store.getState()).model).toEqual(MEDIUM);
    expect(store.getState().modelSource).toEqual(MEDIUM);
    expect(store.getState().pendingModel).toBeUndefined();
    expect(loads(client)).toEqual(['builtin', 'openai-community/gpt2-medium']);
  });

  it('cached: it loads at once, without the built-in model first', async () => {
    const { store, client } = setup();
    client.markCached('gpt2-medium');
    expect(await store.getState().openLinkedModel(MEDIUM)).toBe('loaded');
    expect(loads(client)).toEqual(['openai-community/gpt2-medium']);
    expect(store.getState().pendingModel).toBeUndefined();
  });

  it('a click while the built-in model is still loading: the linked model wins', async () => {
    const { store } = setup();
    await store.getState().openLinkedModel(MEDIUM);
    expect(store.getState().modelStatus).toBe('loading');
    expect(await store.getState().acceptPendingModel()).toBe(true);
    expect(store.getState().modelSource).toEqual(MEDIUM);
    expect(store.getState().modelStatus).toBe('ready');
  });

  it('dismissed: the built-in model stays and the offer goes', async () => {
    const { store, client } = setup();
    await store.getState().openLinkedModel(MEDIUM);
    store.getState().dismissPendingModel();
    await until(() => store.getState().modelStatus === 'ready');
    expect(store.getState().pendingModel).toBeUndefined();
    expect(loads(client)).toEqual(['builtin']);
    // dismissed: the link is the built-in model's
    expect(toSharedState(store.getState()).model).toEqual({ source: 'builtin' });
  });
});
