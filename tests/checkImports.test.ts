/** The lint step's import rule (scripts/check-imports.ts) on a made-up tree and on the project. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { violations } from '../scripts/check-imports.ts';

const root = mkdtempSync(join(tmpdir(), 'lenslab-imports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(path: string, text: string): void {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
}

describe('imports only run downward', () => {
  it('reports a store slice that imports a component, and a model that imports the worker', () => {
    write('app/components/Thing.tsx', 'export const x = 1;\n');
    write('app/store/slice.ts', "import { x } from '../components/Thing.tsx';\nexport const y = x;\n");
    write('workers/api.ts', 'export type A = number;\n');
    write(
      'models/hub/download.ts',
      "import type { A } from '../../workers/api.ts';\nexport const z: A = 1;\n",
    );
    write('app/charts/Chart.tsx', "import { y } from '../store/slice.ts';\nexport const c = y;\n");
    const found = violations(root);
    expect(found).toHaveLength(2);
    expect(found[0]).toContain('app/store/slice.ts (app/store) imports app/components/Thing.tsx (app UI)');
    expect(found[1]).toContain('models/hub/download.ts (models) imports workers/api.ts (workers)');
  });

  it('finds none in the project', () => {
    expect(violations()).toEqual([]);
  });
});
