/** Test and demo hooks, shown with ?debug=1: lose the WebGPU device to exercise the wasm fallback. */
import { type ReactElement, useState } from 'react';
import { useLensStoreHook } from '../store/context.ts';

export function DebugPanel(): ReactElement {
  const store = useLensStoreHook();
  const [result, setResult] = useState('');
  const loseDevice = async (): Promise<void> => {
    try {
      setResult(await store.deps.client.debugLoseDevice());
    } catch (error) {
      setResult(`failed: ${(error as Error).message}`);
    }
    // the next run meets the lost device and falls back
    store.getState().rerun();
  };
  return (
    <div className="debug-panel">
      <button type="button" data-testid="debug-lose-device" onClick={() => void loseDevice()}>
        Lose the GPU device
      </button>
      <span data-testid="debug-result">{result}</span>
    </div>
  );
}
