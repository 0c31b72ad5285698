/**
 * What this browser offers a load: a WebGPU adapter (its limits, shader-f16, whether it is a software
 * fallback) or wasm, and the machine's memory as far as the browser reports it.
 */
import type { LoadOptions } from '../api.ts';
import type { DeviceProbe } from './modelHost.ts';

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features?: { has(name: string): boolean };
  limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number };
}

interface NavigatorWithGpu {
  gpu?: { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
  deviceMemory?: number;
}

async function findAdapter(): Promise<{ adapter?: GpuAdapterLike; reason: string }> {
  const gpu = (navigator as unknown as NavigatorWithGpu).gpu;
  if (!gpu) return { reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { reason: 'WebGPU is present but no adapter is available' };
    return { adapter, reason: 'WebGPU adapter found' };
  } catch (error) {
    return { reason: `requestAdapter() failed: ${(error as Error).message}` };
  }
}

const isFallback = (adapter: GpuAdapterLike): boolean =>
  adapter.info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true;

function describeAdapter(adapter: GpuAdapterLike): string {
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.description].filter((p) => p);
  if (isFallback(adapter)) parts.push('fallback adapter');
  return parts.join(' / ') || 'unknown adapter';
}

function deviceMemoryBytes(): number | undefined {
  const gib = (navigator as unknown as NavigatorWithGpu).deviceMemory;
  return typeof gib === 'number' && gib > 0 ? gib * 1024 ** 3 : undefined;
}

/** The backend a load will try first, and the limits checkFits needs for it. */
export async function probeBrowserDevice(options: LoadOptions): Promise<DeviceProbe> {
  const memory = deviceMemoryBytes();
  const base = {
    backend: 'wasm' as const,
    hasAdapter: false,
    ...(memory ? { deviceMemoryBytes: memory } : {}),
  };
  if (options.backend === 'wasm') return { ...base, reason: 'wasm requested' };
  const found = await findAdapter();
  // forced webgpu without an adapter: session creation will fail and fall back; fit as wasm
  if (!found.adapter) return { ...base, reason: found.reason };
  const limits = found.adapter.limits ?? {};
  return {
    ...base,
    backend: 'webgpu',
    hasAdapter: true,
    ...(limits.maxBufferSize ? { maxBufferSize: limits.maxBufferSize } : {}),
    ...(limits.maxStorageBufferBindingSize
      ? { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize }
      : {}),
    shaderF16: found.adapter.features?.has('shader-f16') === true,
    fallbackAdapter: isFallback(found.adapter),
    reason: found.reason,
    adapter: describeAdapter(found.adapter),
  };
}
