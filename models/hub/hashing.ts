/**
 * Hashes that follow a file as its bytes arrive. SubtleCrypto's digest takes one buffer of at most
 * 2 GiB and cannot be fed in pieces, so SHA-256 (what the Hub publishes for LFS files) comes from
 * hash-wasm, incremental and in wasm; it runs while the bytes download, so verifying costs no extra
 * pass. A cached copy is checked with xxHash64 (~20x faster here): it guards against a damaged or
 * truncated cache entry, not against an adversary, and the SHA-256 was checked when the bytes arrived.
 */
import { createSHA256, createXXHash64, type IHasher } from 'hash-wasm';
import type { FileBytes } from '../fileBytes.ts';

export interface StreamHash {
  update(bytes: Uint8Array): void;
  /** Hex digest of everything since the last reset. */
  digest(): string;
  /** Starts over (a transfer restarted from byte 0). */
  reset(): void;
}

async function streamHash(create: () => Promise<IHasher>): Promise<StreamHash> {
  const hasher = await create();
  hasher.init();
  return {
    update: (bytes) => {
      hasher.update(bytes);
    },
    digest: () => hasher.digest('hex'),
    reset: () => {
      hasher.init();
    },
  };
}

export const sha256Stream = (): Promise<StreamHash> => streamHash(createSHA256);
export const xxh64Stream = (): Promise<StreamHash> => streamHash(() => createXXHash64());

/** Feeds in slices: hash-wasm copies each update into its own memory. */
const SLICE = 16 * 1024 * 1024;

async function digestOf(bytes: Uint8Array | FileBytes, make: () => Promise<StreamHash>): Promise<string> {
  const hash = await make();
  const pieces = bytes instanceof Uint8Array ? [bytes] : bytes.pieces.map((p) => p.bytes);
  for (const piece of pieces) {
    for (let at = 0; at < piece.byteLength; at += SLICE) hash.update(piece.subarray(at, at + SLICE));
  }
  return hash.digest();
}

/** SHA-256 of bytes of any size (every piece, in order). */
export const sha256Hex = (bytes: Uint8Array | FileBytes): Promise<string> => digestOf(bytes, sha256Stream);
export const xxh64Hex = (bytes: Uint8Array | FileBytes): Promise<string> => digestOf(bytes, xxh64Stream);
