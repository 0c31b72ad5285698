/** The streaming hashes against node:crypto and known digests, at sizes one buffer cannot hold. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256Stream, xxh64Hex, xxh64Stream } from '../models/hub/hashing.ts';

/** A deterministic chunk of `n` bytes (chunk `i` differs from its neighbours). */
function pattern(n: number, i: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k += 4096) out[k] = (i * 31 + k / 4096) & 0xff;
  return out;
}

describe('streaming SHA-256 and xxHash64', () => {
  it('known digests: the empty input, "abc", and xxHash64 of "abc"', async () => {
    expect(await sha256Hex(new Uint8Array(0))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    const abc = new TextEncoder().encode('abc');
    expect(await sha256Hex(abc)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await xxh64Hex(abc)).toBe('44bc2cf5ad770999');
  });

  it('the same digest whatever the chunking, and after a reset', async () => {
    const bytes = pattern(1_000_003, 7);
    const expected = createHash('sha256').update(bytes).digest('hex');
    for (const chunk of [1, 63, 64, 65, 4096, 1_000_003]) {
      const hash = await sha256Stream();
      hash.update(pattern(999, 1)); // then started over, as a restarted transfer does
      hash.reset();
      for (let at = 0; at < bytes.byteLength; at += chunk) hash.update(bytes.subarray(at, at + chunk));
      expect(hash.digest(), `chunk ${chunk}`).toBe(expected);
    }
    // a file in pieces hashes as the whole
    const pieces = {
      byteLength: bytes.byteLength,
      pieces: [
        { offset: 0, bytes: bytes.subarray(0, 500_000) },
        { offset: 500_000, bytes: bytes.subarray(500_000) },
      ],
    };
    expect(await sha256Hex(pieces)).toBe(expected);
  });

  it('a file over 4 GiB: 32-bit length counters would wrap; both hashes agree with node:crypto', async () => {
    const chunk = 64 * 1024 * 1024;
    const chunks = 64; // 4 GiB
    const tail = pattern(3, 99);
    const reference = createHash('sha256');
    const sha = await sha256Stream();
    const xxh = await xxh64Stream();
    const xxhAgain = await xxh64Stream();
    for (let i = 0; i < chunks; i++) {
      const bytes = pattern(chunk, i);
      reference.update(bytes);
      sha.update(bytes);
      xxh.update(bytes);
      // xxHash64 fed in other slices: the same digest
      for (let at = 0; at < chunk; at += 10_000_000) xxhAgain.update(bytes.subarray(at, at + 10_000_000));
    }
    reference.update(tail);
    sha.update(tail);
    xxh.update(tail);
    xxhAgain.update(tail);
    expect(sha.digest()).toBe(reference.digest('hex'));
    expect(xxh.digest()).toBe(xxhAgain.digest());
  }, 180_000);
});
