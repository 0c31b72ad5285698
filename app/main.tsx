/**
 * Boot: the store, the run controller, the URL. Order: read the library, apply the link (if any),
 * load its model (the built-in one otherwise: offline-safe; nothing large downloads by itself), then
 * keep the hash in step with the store.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { isDeckLink } from './deck/deckCodec.ts';
import { TalkContext, type TalkServices } from './deck/deckContext.ts';
import { indexedDbDecks } from './deck/deckPersistence.ts';
import { activeDeck, createDeckStore } from './deck/deckStore.ts';
import { paperDeck } from './deck/paperDeck.ts';
import { prepareDeck } from './deck/prepare.ts';
import { startPresenter } from './deck/presenter.ts';
import { createEngineClient } from './engineClient.ts';
import { indexedDbExperiments } from './experiments/experimentDatabase.ts';
import { startExperimentUrlSync, windowSearchTarget } from './experiments/experimentUrlSync.ts';
import { cacheAppFiles, registerServiceWorker } from './offline/appCache.ts';
import { LensStoreContext } from './store/context.ts';
import { createLensStore } from './store/lensStore.ts';
import { sameSource } from './store/modelSlice.ts';
import { startRunController } from './store/runController.ts';
import {
  checkLinkAgainstModel,
  openLink,
  startUrlSync,
  toSharedState,
  windowUrlTarget,
} from './store/urlSync.ts';
import { type DeckWindowState, exposeForTests, type LensLabWindowState } from './testHandle.ts';
import { vectorAssetLoader } from './vectors/vectorAssets.ts';
import { deleteVector, loadVectors, saveVector } from './vectors/vectorStore.ts';
import './styles.css';

declare global {
  interface Window {
    /** Data for tests and debugging (no functions): see testHandle.ts. */
    __lenslab?: LensLabWindowState;
    /** Talk mode's state, for tests: see testHandle.ts. */
    __lenslabDeck?: DeckWindowState;
  }
}

const HUB_URL_KEY = 'lenslab.hubUrl';

/** Where the app's files live: the service worker's scope and the base of app-files.json. */
const appBase = new URL(import.meta.env.BASE_URL, window.location.href).href;
if (import.meta.env.PROD) registerServiceWorker(appBase);

const params = new URLSearchParams(window.location.search);
const forced = params.get('backend');
const threads = Number(params.get('threads'));
const hubParam = params.get('hub');
const savedHub = (() => {
  try {
    return window.localStorage.getItem(HUB_URL_KEY) ?? undefined;
  } catch {
    return undefined;
  }
})();

const store = createLensStore({
  client: createEngineClient(),
  builtinUrl: new URL(`${import.meta.env.BASE_URL}generated/builtin/`, window.location.href).href,
  ...((hubParam ?? savedHub) ? { hubUrl: (hubParam ?? savedHub)! } : {}),
  ...(forced === 'webgpu' || forced === 'wasm' ? { backend: forced } : {}),
  ...(Number.isInteger(threads) && threads > 0 ? { wasmThreads: threads } : {}),
  ...(params.get('precision') === 'float16' ? { preferFloat16: true } : {}),
  ...(params.get('simulate') === 'oom-at-session' ? { simulateSessionOom: true } : {}),
  persistence: { load: loadVectors, save: saveVector, remove: deleteVector },
  vectorAssets: vectorAssetLoader(new URL(`${import.meta.env.BASE_URL}vectors/`, window.location.href).href),
  experiments: indexedDbExperiments,
  fetchData: async (file) => {
    const url = new URL(`${import.meta.env.BASE_URL}data/${file}`, window.location.href);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`data/${file}: HTTP ${response.status}`);
    return response.text();
  },
});

// a Hub URL typed in the settings is remembered; one from ?hub= (tests) is not
store.subscribe((s, prev) => {
  if (s.hubUrl === prev.hubUrl) return;
  try {
    window.localStorage.setItem(HUB_URL_KEY, s.hubUrl);
  } catch {
    // private mode: the setting lasts for this page only
  }
});

const decks = createDeckStore({
  persistence: indexedDbDecks,
  currentState: () => toSharedState(store.getState()),
  builtinDecks: () => [paperDeck()],
});

const talk: TalkServices = {
  decks,
  baseUrl: () => windowUrlTarget().baseUrl(),
  prepare: async (onProgress) => {
    const deck = activeDeck(decks.getState());
    if (!deck) return undefined;
    return prepareDeck(deck, {
      prepareModel: store.getState().prepareModel,
      ...(store.deps.vectorAssets ? { vectorAssets: store.deps.vectorAssets } : {}),
      ...(import.meta.env.PROD ? { appFiles: (progress) => cacheAppFiles(appBase, progress) } : {}),
      onProgress,
    });
  },
};

// ?lookahead=0: present without computing the next slide ahead (to measure what look-ahead buys)
if (params.get('lookahead') === '0') decks.getState().setLookAhead(false);

exposeForTests(store, window, decks);
const experimentLinkProblems = startExperimentUrlSync(store, windowSearchTarget());
for (const problem of experimentLinkProblems) console.warn(`experiment link: ${problem}`);
const runs = startRunController(store);
startPresenter({ lens: store, decks, prefetch: runs.prefetch, idle: runs.idle });

async function boot(): Promise<void> {
  const state = store.getState();
  await state.loadLibrary();
  await decks.getState().load();
  const deckLink = isDeckLink(window.location.hash);
  if (deckLink) await decks.getState().openDeckLink(window.location.hash);
  const link = deckLink ? undefined : await openLink(store, window.location.hash);
  void state.checkHub();
  startUrlSync(store, windowUrlTarget());
  if (!link || link.model.source === 'builtin') {
    if ((await state.loadModel({ source: 'builtin' })) && link) checkLinkAgainstModel(store, link);
    return;
  }
  // a link's model loads at once only from the cache; otherwise it waits for a click, on the built-in model
  const opened = await state.openLinkedModel(link.model);
  if (opened === 'loaded') {
    checkLinkAgainstModel(store, link);
    return;
  }
  // the link's blocks and vectors are checked against its own model, once the user has loaded it
  const unsubscribe = store.subscribe((s, prev) => {
    if (s.modelGeneration === prev.modelGeneration || s.modelStatus !== 'ready') return;
    if (!sameSource(s.modelSource, link.model)) return;
    unsubscribe();
    checkLinkAgainstModel(store, link);
  });
}
void boot();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <LensStoreContext value={store}>
      <TalkContext value={talk}>
        <App debug={params.has('debug')} />
      </TalkContext>
    </LensStoreContext>
  </StrictMode>,
);
