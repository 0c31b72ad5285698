import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // onnxruntime sessions are heavy: one file at a time keeps memory and the 2 cores sane
    fileParallelism: false,
    pool: 'forks',
  },
});
