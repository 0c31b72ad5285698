/** Working offline: the build's file list (written by the build step, read by the page) and its use in "Prepare for talk". */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { paperDeck } from '../app/deck/paperDeck.ts';
import { prepareDeck } from '../app/deck/prepare.ts';
import {
  APP_FILES_NAME,
  appFilesManifest,
  isPrecached,
  parseAppFiles,
  precacheUrls,
} from '../app/offline/appFiles.ts';
import type { FileReport } from '../models/hub/download.ts';
import { writeAppFiles } from '../scripts/appFilesPlugin.ts';

describe('the app file list', () => {
  it('keeps every file a reload needs, sorted, and leaves out the list, the service worker and maps', () => {
    const m = appFilesManifest(
      [
        { path: 'index.html', bytes: 430 },
        { path: 'assets/b.js', bytes: 2 },
        { path: 'assets/a.wasm', bytes: 1 },
        { path: 'assets/b.js.map', bytes: 3 },
        { path: 'sw.js', bytes: 4 },
        { path: APP_FILES_NAME, bytes: 5 },
      ],
      'abc123',
    );
    expect(m.files.map((f) => f.path)).toEqual(['assets/a.wasm', 'assets/b.js', 'index.html']);
    expect(isPrecached('vectors/paper/x.npy')).toBe(true);
  });

  it('caches the base URL for index.html (a navigation asks for "/")', () => {
    const m = appFilesManifest(
      [
        { path: 'index.html', bytes: 1 },
        { path: 'assets/a.js', bytes: 1 },
      ],
      'b',
    );
    expect(precacheUrls(m, 'http://talk.test/lens/')).toEqual([
      'http://talk.test/lens/',
      'http://talk.test/lens/assets/a.js',
      'http://talk.test/lens/index.html',
    ]);
  });

  it('reads a good list and says what is wrong with a bad one', () => {
    const good = { v: 1, build: 'f00d', files: [{ path: 'assets/a.js', bytes: 3 }] };
    expect(parseAppFiles(good)).toEqual(good);
    expect(parseAppFiles('nope')).toMatch(/not a JSON object/);
    expect(parseAppFiles({ ...good, v: 2 })).toMatch(/version 2, expected 1/);
    expect(parseAppFiles({ ...good, build: '../x' })).toMatch(/no valid build id/);
    expect(parseAppFiles({ ...good, files: [] })).toMatch(/names no files/);
    for (const path of ['../secret', '/etc/passwd', 'assets/../../x', 'https://evil.test/a.js', 'a//b'])
      expect(parseAppFiles({ ...good, files: [{ path, bytes: 1 }] })).toMatch(/not a relative path/);
    expect(parseAppFiles({ ...good, files: [{ path: 'a.js', bytes: -1 }] })).toMatch(/not a byte count/);
  });
});

describe('the build step', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists every built file with its size, and names the build by content', async () => {
    dir = await mkdtemp(join(tmpdir(), 'lenslab-dist-'));
    await mkdir(join(dir, 'assets'));
    await mkdir(join(dir, 'generated', 'builtin'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    await writeFile(join(dir, 'assets', 'index-x.js'), 'console.log(1)');
    await writeFile(join(dir, 'generated', 'builtin', 'model.safetensors'), new Uint8Array(1000));
    await writeFile(join(dir, 'sw.js'), '// worker');
    const first = await writeAppFiles(dir);
    expect(first.files).toEqual([
      { path: 'assets/index-x.js', bytes: 14 },
      { path: 'generated/builtin/model.safetensors', bytes: 1000 },
      { path: 'index.html', bytes: 15 },
    ]);
    // what the page reads back is what was written, and valid
    expect(parseAppFiles(JSON.parse(await readFile(join(dir, APP_FILES_NAME), 'utf8')))).toEqual(first);
    // the same files: the same build; one byte changed: another build (another cache)
    expect((await writeAppFiles(dir)).build).toBe(first.build);
    await writeFile(join(dir, 'assets', 'index-x.js'), 'console.log(2)');
    expect((await writeAppFiles(dir)).build).not.toBe(first.build);
  });
});

describe('"Prepare for talk" and the app files', () => {
  it('reports the app first, and is not ready when the app cannot be cached', async () => {
    const base = {
      prepareModel: async (): Promise<FileReport[]> => [
        {
          file: 'model.safetensors',
          size: 10,
          from: 'cache',
          sha256: '00',
          verifiedAgainstHub: 'sha256',
          resumes: 0,
          restarts: 0,
        },
      ],
    };
    const ready = await prepareDeck(paperDeck(), {
      ...base,
      appFiles: async () => ({ ok: true, bytes: 56_000_000, detail: '18 files (56 MB), cached' }),
    });
    expect(ready.items[0]).toMatchObject({ kind: 'app', ok: true, bytes: 56_000_000 });
    expect(ready.totalBytes).toBeGreaterThanOrEqual(56_000_000);
    const noWorker = await prepareDeck(paperDeck(), {
      ...base,
      appFiles: async () => ({ ok: false, bytes: 0, detail: 'no service worker is active' }),
    });
    expect(noWorker.ok).toBe(false);
    expect(noWorker.items[0]).toMatchObject({
      kind: 'app',
      ok: false,
      detail: 'no service worker is active',
    });
    const thrown = await prepareDeck(paperDeck(), {
      ...base,
      appFiles: async () => {
        throw new Error('QuotaExceededError: the disk is full');
      },
    });
    expect(thrown.items[0]).toMatchObject({
      kind: 'app',
      ok: false,
      detail: 'QuotaExceededError: the disk is full',
    });
  });
});
