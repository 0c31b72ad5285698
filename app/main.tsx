import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { createEngineClient } from './engineClient.ts';
import { LensStoreContext } from './store/context.ts';
import { createLensStore, type LensState } from './store/lensStore.ts';
import './styles.css';

declare global {
  interface Window {
    /** Data for tests and debugging (no functions): the loaded model and the last lens result. */
    __lenslab?: Pick<LensState, 'modelStatus' | 'backend' | 'info' | 'load' | 'result' | 'error'>;
  }
}

const params = new URLSearchParams(window.location.search);
const forced = params.get('backend');
const threads = Number(params.get('threads'));
const store = createLensStore(createEngineClient(), {
  modelUrl: new URL(`${import.meta.env.BASE_URL}generated/builtin/`, window.location.href).href,
  ...(forced === 'webgpu' || forced === 'wasm' ? { backend: forced } : {}),
  ...(Number.isInteger(threads) && threads > 0 ? { wasmThreads: threads } : {}),
});

store.subscribe(({ modelStatus, backend, info, load, result, error }) => {
  window.__lenslab = { modelStatus, backend, info, load, result, error };
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <LensStoreContext value={store}>
      <App />
    </LensStoreContext>
  </StrictMode>,
);
