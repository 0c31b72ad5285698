/**
 * Boot: the store, the run controller, the URL. Order: read the library, apply the link (if any),
 * load its model (the built-in one otherwise: offline-safe; nothing large downloads by itself), then
 * keep the hash in step with the store.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { createEngineClient } from './engineClient.ts';
import { LensStoreContext } from './store/context.ts';
import { createLensStore } from './store/lensStore.ts';
import { startRunController } from './store/runController.ts';
import { exposeForTests, type LensLabWindowState } from './store/testHandle.ts';
import { checkLinkAgainstModel, openLink, startUrlSync, windowUrlTarget } from './store/urlSync.ts';
import { deleteVector, loadVectors, saveVector } from './vectors/vectorStore.ts';
import './styles.css';

declare global {
  interface Window {
    /** Data for tests and debugging (no functions): see store/testHandle.ts. */
    __lenslab?: LensLabWindowState;
  }
}

const HUB_URL_KEY = 'lenslab.hubUrl';

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
  persistence: { load: loadVectors, save: saveVector, remove: deleteVector },
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

exposeForTests(store);
startRunController(store);

async function boot(): Promise<void> {
  const state = store.getState();
  await state.loadLibrary();
  const link = await openLink(store, window.location.hash);
  void state.checkHub();
  const loading = state.loadModel(link?.model ?? { source: 'builtin' });
  startUrlSync(store, windowUrlTarget());
  if ((await loading) && link) checkLinkAgainstModel(store, link);
}
void boot();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <LensStoreContext value={store}>
      <App debug={params.has('debug')} />
    </LensStoreContext>
  </StrictMode>,
);
