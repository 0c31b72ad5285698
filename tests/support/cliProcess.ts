/** Running the `lenslab` CLI as a child process, and what every run's output must look like. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(repoRoot, 'cli', 'lenslab.mjs');

export interface CliRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], cwd: string): Promise<CliRun> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // whatever the test runner injects is not what a user's shell has
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (error.code ?? 'failed') : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A successful run: exit 0, one JSON line on stdout, nothing on stderr (no onnxruntime warnings). */
export function expectSuccess<T>(result: CliRun, stderr = ''): T {
  expect(result.stderr, 'stderr').toBe(stderr);
  expect(result.code, 'exit code').toBe(0);
  const lines = result.stdout.split('\n');
  expect(lines, 'stdout: one line of JSON').toHaveLength(2);
  expect(lines[1]).toBe('');
  return JSON.parse(lines[0]!) as T;
}

/** A failing run: non-zero exit, nothing on stdout, exactly one `lenslab:` line on stderr, no stack. */
export function expectFailure(result: CliRun, message: RegExp): string {
  expect(result.code, `exit code (stderr: ${result.stderr})`).not.toBe(0);
  expect(typeof result.code).toBe('number');
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n');
  expect(lines, `stderr: ${result.stderr}`).toHaveLength(2);
  expect(lines[1]).toBe('');
  expect(lines[0]).toMatch(/^lenslab: /);
  expect(result.stderr).not.toContain('    at ');
  expect(lines[0]).toMatch(message);
  return lines[0]!;
}
