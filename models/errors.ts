/**
 * LensLab's one error vocabulary. Every error a user can meet carries one of these codes, whichever
 * layer raised it (models, engine, loader, worker, app); the code says what went wrong, the message
 * says it in words. Errors that cross the worker boundary arrive as plain objects: `errorCodeOf`
 * reads their code back, and only a code from this list counts.
 */

/** A download or the cache (models/hub). */
export const DOWNLOAD_ERROR_CODES = [
  'http',
  'network',
  'size-mismatch',
  'hash-mismatch',
  'cancelled',
  /** The server answered, but not as the Hub does (no size or ETag: e.g. CORS hiding the headers). */
  'bad-response',
] as const;

/** A run the engine refuses or cannot finish. */
export const ENGINE_ERROR_CODES = [
  'prompt-too-long',
  'empty-prompt',
  'bad-vector',
  'bad-token',
  'bad-request',
  'cancelled',
  'no-model',
  'device-lost',
] as const;

/** Why a load failed (every load error carries one): besides the download's own codes. */
export const LOAD_ERROR_CODES = [
  ...DOWNLOAD_ERROR_CODES,
  'model-too-large',
  'load-cancelled',
  'bad-model',
  'out-of-memory',
  'session-failed',
  'device-lost',
] as const;

/** A file or text LensLab reads that is not what it should be. */
export const INPUT_ERROR_CODES = [
  'bad-safetensors',
  'bad-config',
  'bad-weights',
  'bad-tokenizer',
  'missing-bytes',
  'bad-npy',
  'bad-vector-file',
  'bad-vector-asset',
  'bad-base64',
  'link-too-large',
  'bad-cli-input',
] as const;

/** The worker's own refusals and what the app's client sees of a worker. */
export const WORKER_ERROR_CODES = ['multi-token', 'empty-token'] as const;
export const CLIENT_ERROR_CODES = ['worker-crashed', 'worker-terminated', 'cancelled'] as const;

export type DownloadErrorCode = (typeof DOWNLOAD_ERROR_CODES)[number];
export type EngineErrorCode = (typeof ENGINE_ERROR_CODES)[number];
export type LoadErrorCode = (typeof LOAD_ERROR_CODES)[number];
export type InputErrorCode = (typeof INPUT_ERROR_CODES)[number];
export type WorkerErrorCode = (typeof WORKER_ERROR_CODES)[number] | LoadErrorCode;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
export type ErrorCode = EngineErrorCode | WorkerErrorCode | InputErrorCode | ClientErrorCode;

const KNOWN: ReadonlySet<string> = new Set<string>([
  ...ENGINE_ERROR_CODES,
  ...LOAD_ERROR_CODES,
  ...INPUT_ERROR_CODES,
  ...WORKER_ERROR_CODES,
  ...CLIENT_ERROR_CODES,
]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}

const LOAD: ReadonlySet<string> = new Set<string>(LOAD_ERROR_CODES);

export function isLoadErrorCode(value: unknown): value is LoadErrorCode {
  return typeof value === 'string' && LOAD.has(value);
}

/** The code an error (or an error-shaped object from the worker) carries, if it is one of ours. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return isErrorCode(code) ? code : undefined;
}

/** The base of LensLab's errors: a message and a code from the vocabulary. */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    message: string,
    readonly code: C,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
