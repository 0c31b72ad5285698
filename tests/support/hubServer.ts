/**
 * A real HTTP server on 127.0.0.1 in the Hugging Face Hub's URL layout, serving a folder:
 * `GET|HEAD /<repo>/resolve/<revision>/<file>` from `<root>/<repo>/<file>` (repo = `name` or
 * `org/name`), with what the Hub sends and `@huggingface/hub`'s `fileDownloadInfo` reads:
 * - Range requests (single range; 206 + Content-Range; 416 when unsatisfiable; If-Range honoured),
 *   Accept-Ranges, Content-Length, ETag, X-Repo-Commit;
 * - "LFS" files (> 1 MB or *.safetensors): X-Linked-Size and X-Linked-Etag (the content's SHA-256),
 *   as the Hub sends for files stored in LFS/Xet; other files get a git-blob SHA-1 ETag;
 * - 404 with X-Error-Code EntryNotFound / RepoNotFound / RevisionNotFound, as the Hub;
 * - optional `redirects` (legacy repo ids, e.g. `gpt2` -> `openai-community/gpt2`): 307, as the Hub;
 * - CORS (any origin, Range allowed, the X-* / Content-Range / ETag headers exposed) and
 *   Cross-Origin-Resource-Policy: cross-origin, so a cross-origin-isolated page (COEP require-corp)
 *   can fetch from it.
 * Faults for tests: `failNext`, `breakAfterBytes`, `stallAfterBytes`, `corruptNext`, `ignoreRangeNext`,
 * `latencyMs`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve, sep } from 'node:path';

export interface HubRequest {
  method: string;
  url: string;
  range?: string;
  status?: number;
}

export interface HubFaults {
  /** The next request whose path ends with `path` (e.g. 'model.safetensors') answers `status`. */
  failNext(path: string, status: number): void;
  /**
   * The next GET of `path` that is not a `bytes=0-0` probe sends `n` bytes of its body, then the
   * connection is destroyed (the client sees the stream break mid-way).
   */
  breakAfterBytes(path: string, n: number): void;
  /** Like breakAfterBytes, but the connection stays open and silent until the client gives up. */
  stallAfterBytes(path: string, n: number): void;
  /** The next GET of `path` that is not a `bytes=0-0` probe has one byte of its body flipped. */
  corruptNext(path: string): void;
  /** The next ranged GET of `path` that is not a `bytes=0-0` probe gets 200 and the whole file. */
  ignoreRangeNext(path: string): void;
  /** Delay before every response. */
  latencyMs: number;
  /** Drop pending faults. */
  clear(): void;
}

export interface HubServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash): the `hubUrl`. */
  url: string;
  close(): Promise<void>;
  requests: HubRequest[];
  faults: HubFaults;
}

export interface HubServerOptions {
  /** Folder containing `<repo>/<file>` or `<org>/<repo>/<file>`. */
  root: string;
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  /** Repo id -> repo id answered with 307, e.g. { gpt2: 'openai-community/gpt2' }. */
  redirects?: Record<string, string>;
  /** Log each request to stderr (the CLI). */
  log?: boolean;
}

const LFS_THRESHOLD = 1024 * 1024;

interface FileInfo {
  size: number;
  mtimeMs: number;
  lfs: boolean;
  etag: string;
  sha256?: string;
}

const EXPOSED_HEADERS = [
  'Content-Length',
  'Content-Range',
  'Content-Type',
  'Accept-Ranges',
  'ETag',
  'Link',
  'X-Linked-Size',
  'X-Linked-Etag',
  'X-Repo-Commit',
  'X-Request-Id',
  'X-Error-Code',
  'X-Error-Message',
].join(', ');

function commitFor(repo: string): string {
  return createHash('sha1').update(`lenslab-hub-server:${repo}`).digest('hex');
}

export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const root = resolve(options.root);
  const host = options.host ?? '127.0.0.1';
  const requests: HubRequest[] = [];
  const infoCache = new Map<string, Promise<FileInfo>>();
  const failures: { path: string; status: number }[] = [];
  const bodyFaults: { path: string; kind: 'break' | 'stall' | 'corrupt'; n: number }[] = [];
  const stalled = new Set<ServerResponse>();
  const ignoreRange: { path: string }[] = [];

  const faults: HubFaults = {
    latencyMs: 0,
    failNext(path, status) {
      failures.push({ path, status });
    },
    breakAfterBytes(path, n) {
      bodyFaults.push({ path, kind: 'break', n });
    },
    stallAfterBytes(path, n) {
      bodyFaults.push({ path, kind: 'stall', n });
    },
    corruptNext(path) {
      bodyFaults.push({ path, kind: 'corrupt', n: 0 });
    },
    ignoreRangeNext(path) {
      ignoreRange.push({ path });
    },
    clear() {
      failures.length = 0;
      bodyFaults.length = 0;
      ignoreRange.length = 0;
    },
  };

  const takeFault = <T extends { path: string }>(list: T[], pathname: string): T | undefined => {
    const i = list.findIndex(
      (f) => pathname === f.path || pathname.endsWith(`/${f.path.replace(/^\/+/, '')}`),
    );
    return i < 0 ? undefined : list.splice(i, 1)[0];
  };

  /** Size, LFS-ness and ETag of a file; hashed once per (size, mtime), streaming (checkpoints are GBs). */
  async function fileInfo(path: string): Promise<FileInfo | undefined> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(path);
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const known = infoCache.get(path);
    if (known) {
      const info = await known;
      if (info.size === st.size && info.mtimeMs === st.mtimeMs) return info;
    }
    const { size, mtimeMs } = st;
    const lfs = size > LFS_THRESHOLD || path.endsWith('.safetensors');
    const pending = (async (): Promise<FileInfo> => {
      const hash = createHash(lfs ? 'sha256' : 'sha1');
      if (!lfs) hash.update(`blob ${size}\0`);
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
      const digest = hash.digest('hex');
      return { size, mtimeMs, lfs, etag: `"${digest}"`, ...(lfs ? { sha256: digest } : {}) };
    })();
    infoCache.set(path, pending);
    pending.catch(() => infoCache.delete(path));
    return pending;
  }

  async function repoExists(repo: string): Promise<boolean> {
    try {
      return (await stat(join(root, repo))).isDirectory();
    } catch {
      return false;
    }
  }

  function setCommonHeaders(res: ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Timing-Allow-Origin', '*');
    res.setHeader('Vary', 'Origin');
    res.setHeader('X-Request-Id', `lenslab-${requests.length}`);
  }

  function sendError(
    res: ServerResponse,
    status: number,
    message: string,
    errorCode?: string,
    method = 'GET',
  ): void {
    const body = JSON.stringify({ error: message });
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    if (errorCode) res.setHeader('X-Error-Code', errorCode);
    res.setHeader('X-Error-Message', message);
    res.end(method === 'HEAD' ? undefined : body);
  }

  /** `bytes=a-b` | `bytes=a-` | `bytes=-n` -> [start, end] inclusive; null: unsatisfiable; undefined: ignore. */
  function parseRange(header: string | undefined, size: number): [number, number] | null | undefined {
    if (!header) return undefined;
    const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (!m || (m[1] === '' && m[2] === '')) return undefined;
    if (m[1] === '') {
      const n = Number(m[2]);
      if (n === 0) return null;
      return [Math.max(0, size - n), size - 1];
    }
    const start = Number(m[1]);
    const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start >= size || end < start) return null;
    return [start, end];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCommonHeaders(res);
    const method = req.method ?? 'GET';
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;

    if (method === 'OPTIONS') {
      res.statusCode = 204;
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader(
        'Access-Control-Allow-Headers',
        req.headers['access-control-request-headers'] ?? 'Range, If-Range, Accept, Authorization',
      );
      res.setHeader('Access-Control-Max-Age', '86400');
      res.end();
      return;
    }
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const failure = takeFault(failures, pathname);
    if (failure) {
      sendError(res, failure.status, `injected failure (HTTP ${failure.status})`, undefined, method);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(res, 405, `${method} not allowed`, undefined, method);
      return;
    }

    let segments: string[];
    try {
      segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      sendError(res, 400, 'bad path', undefined, method);
      return;
    }
    const at = segments.indexOf('resolve');
    if (
      at < 1 ||
      at > 2 ||
      segments.length < at + 3 ||
      segments.some((s) => s === '..' || s === '.' || s.includes(sep) || s.includes('\\'))
    ) {
      sendError(res, 404, 'Not found', undefined, method);
      return;
    }
    const repo = segments.slice(0, at).join('/');
    const revision = segments[at + 1]!;
    const file = segments.slice(at + 2).join('/');

    const target = options.redirects?.[repo];
    if (target) {
      res.statusCode = 307;
      res.setHeader('Location', `/${target}/resolve/${encodeURIComponent(revision)}/${file}`);
      res.end();
      return;
    }
    if (!(await repoExists(repo))) {
      sendError(res, 404, 'Repository not found', 'RepoNotFound', method);
      return;
    }
    const commit = commitFor(repo);
    if (revision !== 'main' && revision !== commit) {
      sendError(res, 404, `Invalid rev id: ${revision}`, 'RevisionNotFound', method);
      return;
    }
    const path = join(root, repo, file);
    if (!path.startsWith(root + sep)) {
      sendError(res, 404, 'Entry not found', 'EntryNotFound', method);
      return;
    }
    const info = await fileInfo(path);
    if (!info) {
      sendError(res, 404, 'Entry not found', 'EntryNotFound', method);
      return;
    }

    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('ETag', info.etag);
    res.setHeader('X-Repo-Commit', commit);
    res.setHeader(
      'Content-Type',
      file.endsWith('.json') ? 'application/json; charset=utf-8' : 'application/octet-stream',
    );
    res.setHeader('Cache-Control', 'public, max-age=0, must-revalidate');
    if (info.lfs) {
      res.setHeader('X-Linked-Size', String(info.size));
      res.setHeader('X-Linked-Etag', info.etag);
    }

    const rangeHeader = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    const ifRange = req.headers['if-range'];
    const isProbe = rangeHeader?.trim() === 'bytes=0-0';
    const ignored = rangeHeader !== undefined && !isProbe && takeFault(ignoreRange, pathname) !== undefined;
    const rangeApplies =
      rangeHeader !== undefined && !ignored && (ifRange === undefined || ifRange === info.etag);
    const range = rangeApplies ? parseRange(rangeHeader, info.size) : undefined;
    if (range === null) {
      res.setHeader('Content-Range', `bytes */${info.size}`);
      sendError(res, 416, 'Range not satisfiable', undefined, method);
      return;
    }
    const [start, end] = range ?? [0, info.size - 1];
    const length = Math.max(0, end - start + 1);
    res.statusCode = range ? 206 : 200;
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${info.size}`);
    res.setHeader('Content-Length', String(length));
    if (method === 'HEAD' || length === 0) {
      res.end();
      return;
    }

    const bodyFault = isProbe || method !== 'GET' ? undefined : takeFault(bodyFaults, pathname);
    if (bodyFault?.kind === 'corrupt') {
      const data = await readFile(path);
      const body = Buffer.from(data.subarray(start, end + 1));
      const i = Math.floor(body.length / 2);
      body[i] = (body[i] ?? 0) ^ 0xff;
      res.end(body);
      return;
    }
    const cut = bodyFault ? Math.min(bodyFault.n, length) : length;
    await new Promise<void>((done) => {
      if (cut === 0) {
        done();
        return;
      }
      const stream = createReadStream(path, { start, end: start + cut - 1 });
      stream.on('error', (error) => {
        res.destroy(error);
        done();
      });
      stream.on('end', () => done());
      stream.pipe(res, { end: !bodyFault });
    });
    if (!bodyFault) return;
    if (bodyFault.kind === 'break') {
      // the socket flushes what it has, then closes: the client sees the body end early
      res.socket?.end();
    } else {
      stalled.add(res);
      res.on('close', () => stalled.delete(res));
    }
  }

  const server = createServer((req, res) => {
    const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
    const entry: HubRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      ...(range ? { range } : {}),
    };
    requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      entry.status ??= res.statusCode;
      if (options.log) {
        process.stderr.write(
          `${entry.method} ${entry.url}${range ? ` [${range}]` : ''} -> ${entry.status}\n`,
        );
      }
    });
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(error));
      else res.destroy();
    });
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => done());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((done, fail) => {
        for (const res of stalled) res.destroy();
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}
