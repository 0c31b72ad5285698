/**
 * Reads a checkpoint from disk in pieces (`readFileSync` stops at 2 GiB, Node 20's typed arrays at
 * 4 GiB), and only the byte ranges a model keeps: gpt2-large's 36 mask buffers are never read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  type BytePiece,
  type FileBytes,
  KEEP_ALL,
  type KeepPolicy,
  PIECE_BYTES,
} from '../models/fileBytes.ts';

export function readFileInPieces(
  path: string,
  policy: KeepPolicy = KEEP_ALL,
  pieceBytes = PIECE_BYTES,
): FileBytes {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const read = (offset: number, length: number): Uint8Array => {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, offset + done);
        if (n === 0) throw new Error(`${path}: ended at byte ${offset + done} while reading ${length} bytes`);
        done += n;
      }
      return out;
    };
    // the policy may need a header first; it grows until the policy is satisfied (or the file ends)
    let head = read(0, Math.min(size, 8));
    for (let need = policy.headerBytes(head); need > head.byteLength && need <= size; ) {
      head = read(0, need);
      need = policy.headerBytes(head);
    }
    const pieces: BytePiece[] = [];
    for (const [begin, end] of policy.ranges(head, size)) {
      for (let at = begin; at < end; at += pieceBytes) {
        pieces.push({ offset: at, bytes: read(at, Math.min(pieceBytes, end - at)) });
      }
    }
    return { byteLength: size, pieces };
  } finally {
    closeSync(fd);
  }
}
