/**
 * Build step for working offline: after `vite build` has written the output folder, list every file
 * in it (with sizes and a content hash naming the build) as app-files.json, which "Prepare for talk"
 * caches. Walks the folder rather than the bundle so that public/ files (the built-in model, the
 * tokenizer, the shipped vectors) are listed too.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';
import { APP_FILES_NAME, type AppFile, appFilesManifest, isPrecached } from '../app/offline/appFiles.ts';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Writes `${outDir}/app-files.json`; returns the manifest (for tests). */
export async function writeAppFiles(outDir: string) {
  const hash = createHash('sha256');
  const files: AppFile[] = [];
  for (const full of (await walk(outDir)).sort()) {
    const path = relative(outDir, full).split(sep).join('/');
    if (!isPrecached(path)) continue;
    const bytes = await readFile(full);
    hash.update(`${path}\0${bytes.byteLength}\0`).update(bytes);
    files.push({ path, bytes: bytes.byteLength });
  }
  const manifest = appFilesManifest(files, hash.digest('hex').slice(0, 16));
  await writeFile(join(outDir, APP_FILES_NAME), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

export function appFilesPlugin(): Plugin {
  let outDir = 'dist';
  return {
    name: 'lenslab-app-files',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await writeAppFiles(outDir);
    },
  };
}
