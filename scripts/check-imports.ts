/**
 * The lint step's import rule: imports only run downward. Layers, top to bottom:
 *   app UI (App, main, testHandle, components, experiments' views) > app/deck > app/charts >
 *   app/store = app/experiments' other modules > app/{url, vectors,
 *   analysis, offline, storage} > app's own base (domain.ts, engineClient.ts, tokenText.ts) >
 *   workers (api, loader) > workers/engine > models
 * cli sits on workers and models; tests, bench, scripts and e2e may import anything. A module may
 * import its own layer and any below it. Run: `tsx scripts/check-imports.ts` (exit 1 on a violation).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = ['app', 'workers', 'models', 'cli'];

/** Higher numbers sit higher; a module may import ranks <= its own. */
const RANKS: Array<[RegExp, number, string]> = [
  [/^app\/(App\.tsx|main\.tsx|testHandle\.ts|components\/|experiments\/.*\.tsx$)/, 90, 'app UI'],
  [/^app\/deck\//, 80, 'app/deck'],
  [/^app\/charts\//, 70, 'app/charts'],
  [/^app\/store\//, 60, 'app/store'],
  // the experiments' views are UI (above); their data, persistence and links sit beside the store
  [/^app\/experiments\//, 60, 'app/experiments'],
  [/^app\/(url|vectors|analysis|offline|storage)\//, 50, 'app libraries'],
  [/^app\/[^/]+\.tsx?$/, 40, "app's base"],
  [/^cli\//, 35, 'cli'],
  [/^workers\/(api\.ts|tokenLookup\.ts|engine\.worker\.ts|loader\/)/, 30, 'workers'],
  [/^workers\/engine\//, 20, 'workers/engine'],
  [/^workers\/(analysis|experiments)\//, 20, 'workers/engine'],
  [/^models\//, 10, 'models'],
];

function rankOf(path: string): [number, string] | undefined {
  for (const [pattern, rank, name] of RANKS) if (pattern.test(path)) return [rank, name];
  return undefined;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (entry === 'generated' || entry === 'node_modules') continue;
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (/\.tsx?$/.test(entry)) yield full;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export function violations(root = ROOT): string[] {
  const out: string[] = [];
  for (const top of SOURCES) {
    if (!existsSync(join(root, top))) continue;
    for (const file of sourceFiles(join(root, top))) {
      const from = relative(root, file).split(sep).join('/');
      const own = rankOf(from);
      if (!own) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const spec = (match[1] ?? match[2])!;
        const target = relative(root, normalize(join(dirname(file), spec)))
          .split(sep)
          .join('/');
        const theirs = rankOf(target);
        if (theirs && theirs[0] > own[0]) {
          out.push(`${from} (${own[1]}) imports ${target} (${theirs[1]}): imports only run downward`);
        }
      }
    }
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const found = violations();
  for (const line of found) process.stderr.write(`${line}\n`);
  if (found.length > 0) process.exit(1);
  process.stdout.write('imports: every import runs downward\n');
}
