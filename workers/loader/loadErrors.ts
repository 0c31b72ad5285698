/**
 * Every load failure as a WorkerError with a code: the app decides what to say and what to keep from
 * the code alone, never from the class or the wording of whatever threw.
 */
import { type ErrorCode, errorCodeOf, isLoadErrorCode } from '../../models/errors.ts';
import { type LoadErrorCode, WorkerError } from '../api.ts';

/** Where the load was: getting the files, or building the sessions from them. */
export type LoadPhase = 'files' | 'sessions';

const OUT_OF_MEMORY =
  /out of memory|bad_alloc|allocation fail|failed to allocate|array buffer allocation|memory access out of bounds|Aborted\(/i;

/** A model file that cannot be read: the checkpoint, its config, its weights or its tokenizer. */
const UNREADABLE_MODEL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'bad-safetensors',
  'bad-config',
  'bad-weights',
  'missing-bytes',
  'bad-tokenizer',
]);

function codeOf(error: unknown, phase: LoadPhase): LoadErrorCode {
  const code = errorCodeOf(error);
  if (isLoadErrorCode(code)) return code === 'cancelled' ? 'load-cancelled' : code;
  if ((code && UNREADABLE_MODEL.has(code)) || error instanceof SyntaxError) return 'bad-model';
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError || OUT_OF_MEMORY.test(message)) return 'out-of-memory';
  return phase === 'sessions' ? 'session-failed' : 'network';
}

/** `error` with a load code; `keptPrevious` says whether the model loaded before is still there. */
export function loadError(
  error: unknown,
  phase: LoadPhase,
  keptPrevious: boolean,
  name: string,
): WorkerError {
  const code = codeOf(error, phase);
  let message = error instanceof Error ? error.message : String(error);
  if (code === 'out-of-memory' && !/memory/i.test(message)) message = `out of memory: ${message}`;
  if (code === 'session-failed') message = `Building ${name}'s sessions failed: ${message}`;
  if (code === 'bad-model' && !message.includes(name)) message = `${name}: ${message}`;
  const coded = new WorkerError(message, code, keptPrevious);
  if (error instanceof Error && error.stack) coded.stack = error.stack;
  return coded;
}
