/**
 * A file's bytes held as pieces. One buffer cannot hold a big checkpoint everywhere: Node 20's typed
 * arrays stop at 4 GiB, `readFileSync` and SubtleCrypto at 2 GiB, and onnxruntime-web reads external
 * data with 32-bit offsets. Pieces also let a reader keep only the byte ranges it needs (the tensors a
 * model uses) while the whole file streams past a hash and into the cache.
 */
import { CodedError } from './errors.ts';

export interface BytePiece {
  /** Offset of the piece's first byte in the file. */
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface FileBytes {
  /** The whole file's length, pieces left out included. */
  readonly byteLength: number;
  /** In file order, not overlapping; ranges nobody kept are missing. */
  readonly pieces: readonly BytePiece[];
}

/** Default piece size: big enough that few tensors straddle two pieces, far below every limit. */
export const PIECE_BYTES = 256 * 1024 * 1024;

export class MissingBytesError extends CodedError<'missing-bytes'> {
  override name = 'MissingBytesError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'missing-bytes', options);
  }
}

export function fileBytesOf(bytes: Uint8Array): FileBytes {
  return { byteLength: bytes.byteLength, pieces: [{ offset: 0, bytes }] };
}

export function isFileBytes(value: unknown): value is FileBytes {
  return (
    typeof value === 'object' &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    Array.isArray((value as FileBytes).pieces)
  );
}

/** Bytes actually held (a file with ranges left out holds less than its length). */
export function heldBytes(file: FileBytes): number {
  return file.pieces.reduce((sum, p) => sum + p.bytes.byteLength, 0);
}

/** The piece holding all of [offset, offset + length), if one does. */
export function pieceHolding(file: FileBytes, offset: number, length: number): BytePiece | undefined {
  const pieces = file.pieces;
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = pieces[mid]!;
    if (offset < p.offset) hi = mid - 1;
    else if (offset >= p.offset + p.bytes.byteLength) lo = mid + 1;
    else return offset + length <= p.offset + p.bytes.byteLength ? p : undefined;
  }
  return undefined;
}

/**
 * [offset, offset + length): a view when one piece holds it, else a copy assembled from the pieces.
 * Throws MissingBytesError when part of the range was not kept.
 */
export function readRange(file: FileBytes, offset: number, length: number, what = 'bytes'): Uint8Array {
  if (offset < 0 || length < 0 || offset + length > file.byteLength) {
    throw new MissingBytesError(
      `${what} [${offset}, ${offset + length}) lie outside the file's ${file.byteLength} bytes`,
    );
  }
  const holder = pieceHolding(file, offset, length);
  if (holder) return holder.bytes.subarray(offset - holder.offset, offset - holder.offset + length);
  const out = new Uint8Array(length);
  let at = offset;
  for (const p of file.pieces) {
    const end = p.offset + p.bytes.byteLength;
    if (end <= at || p.offset >= offset + length) continue;
    if (p.offset > at) break;
    const take = Math.min(end, offset + length) - at;
    out.set(p.bytes.subarray(at - p.offset, at - p.offset + take), at - offset);
    at += take;
  }
  if (at !== offset + length) {
    throw new MissingBytesError(`${what} [${offset}, ${offset + length}) were not kept (missing from ${at})`);
  }
  return out;
}

/** Which byte ranges of a file to keep, decided once its first bytes are known (e.g. a header). */
export interface KeepPolicy {
  /** Bytes needed from the start before `ranges` can answer (0: none). */
  readonly headerBytes: (head: Uint8Array) => number;
  /** Given the first `headerBytes` bytes: the [begin, end) ranges to keep, sorted. */
  readonly ranges: (head: Uint8Array, fileLength: number) => Array<[number, number]>;
}

export const KEEP_ALL: KeepPolicy = {
  headerBytes: () => 0,
  ranges: (_head, length) => [[0, length]],
};

export const KEEP_NONE: KeepPolicy = { headerBytes: () => 0, ranges: () => [] };

/**
 * Collects a file arriving in chunks into pieces of at most `pieceBytes`, keeping only the ranges the
 * policy asks for. Bytes outside them are still seen (hashed, cached) by whoever feeds the writer.
 */
export class FileBytesWriter {
  private readonly pieces: BytePiece[] = [];
  private head: Uint8Array | undefined;
  private headFill = 0;
  private ranges: Array<[number, number]> | undefined;
  private current: { offset: number; bytes: Uint8Array; fill: number } | undefined;
  private written = 0;

  constructor(
    readonly byteLength: number,
    private readonly policy: KeepPolicy = KEEP_ALL,
    private readonly pieceBytes = PIECE_BYTES,
  ) {
    if (policy === KEEP_ALL) this.ranges = [[0, byteLength]];
  }

  /** Bytes seen so far. */
  get position(): number {
    return this.written;
  }

  write(chunk: Uint8Array): void {
    if (this.written + chunk.byteLength > this.byteLength) {
      throw new RangeError(`more than the announced ${this.byteLength} bytes`);
    }
    const at = this.written;
    this.written += chunk.byteLength;
    if (!this.ranges) this.collectHead(chunk, at);
    if (this.ranges) this.keep(chunk, at);
  }

  /** Drops everything seen so far (a transfer restarts from byte 0). */
  reset(): void {
    this.pieces.length = 0;
    this.current = undefined;
    this.written = 0;
    if (this.policy !== KEEP_ALL) {
      this.head = undefined;
      this.headFill = 0;
      this.ranges = undefined;
    }
  }

  finish(): FileBytes {
    if (this.written !== this.byteLength) {
      throw new RangeError(`received ${this.written} of ${this.byteLength} bytes`);
    }
    if (!this.ranges) this.ranges = this.policy.ranges(this.head ?? new Uint8Array(0), this.byteLength);
    this.flush();
    return { byteLength: this.byteLength, pieces: this.pieces.slice() };
  }

  /** Buffers the first bytes until the policy can say what to keep; then replays them. */
  private collectHead(chunk: Uint8Array, at: number): void {
    this.head ??= new Uint8Array(Math.min(this.byteLength, 8));
    let need = this.policy.headerBytes(this.head.subarray(0, this.headFill));
    while (true) {
      need = Math.min(Math.max(need, 8), this.byteLength);
      if (this.head.byteLength < need) {
        const grown = new Uint8Array(need);
        grown.set(this.head.subarray(0, this.headFill));
        this.head = grown;
      }
      const from = this.headFill - at;
      const take = Math.min(need - this.headFill, chunk.byteLength - Math.max(0, from));
      if (take > 0) {
        this.head.set(chunk.subarray(Math.max(0, from), Math.max(0, from) + take), this.headFill);
        this.headFill += take;
      }
      if (this.headFill < need) return;
      const more = this.policy.headerBytes(this.head.subarray(0, this.headFill));
      if (more > this.headFill && more <= this.byteLength) {
        need = more;
        continue;
      }
      break;
    }
    this.ranges = this.policy.ranges(this.head.subarray(0, this.headFill), this.byteLength);
    // bytes before this chunk were only buffered as the head: keep what the ranges want of them
    if (at > 0) this.keep(this.head.subarray(0, at), 0);
  }

  private keep(chunk: Uint8Array, at: number): void {
    const end = at + chunk.byteLength;
    for (const [begin, stop] of this.ranges!) {
      if (stop <= at) continue;
      if (begin >= end) break;
      const from = Math.max(begin, at);
      const to = Math.min(stop, end);
      this.append(chunk.subarray(from - at, to - at), from, stop);
    }
  }

  /** Appends bytes at file offset `from`, inside a kept range ending at `rangeEnd`. */
  private append(bytes: Uint8Array, from: number, rangeEnd: number): void {
    let at = from;
    let rest = bytes;
    while (rest.byteLength > 0) {
      let cur = this.current;
      if (cur && cur.offset + cur.fill !== at) {
        this.flush();
        cur = undefined;
      }
      if (!cur || cur.fill === cur.bytes.byteLength) {
        this.flush();
        const size = Math.min(this.pieceBytes, rangeEnd - at);
        cur = { offset: at, bytes: new Uint8Array(size), fill: 0 };
        this.current = cur;
      }
      const take = Math.min(rest.byteLength, cur.bytes.byteLength - cur.fill);
      cur.bytes.set(rest.subarray(0, take), cur.fill);
      cur.fill += take;
      at += take;
      rest = rest.subarray(take);
    }
  }

  private flush(): void {
    const cur = this.current;
    if (cur && cur.fill > 0) {
      this.pieces.push({ offset: cur.offset, bytes: cur.bytes.subarray(0, cur.fill) });
    }
    this.current = undefined;
  }
}
