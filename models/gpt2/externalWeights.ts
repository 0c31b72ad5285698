/**
 * Places checkpoint tensors as ONNX external data. Tensors stored as the graph wants them (F32 for
 * float32, F16 for float16) point straight into the checkpoint's pieces, one external file per piece;
 * others (BF16, a float32 tensor stored as float16, a tensor that straddles two pieces) are converted
 * once, each into an external file of its own. No external file reaches 2 GiB (pieces are smaller):
 * onnxruntime-web reads them with 32-bit offsets.
 */
import { type BytePiece, pieceHolding } from '../fileBytes.ts';
import type { ExternalRef } from '../onnx/graphBuilder.ts';
import {
  floatToHalf,
  type SafetensorsFile,
  type TensorInfo,
  tensorAsFloat32,
  tensorBytes,
} from '../safetensors.ts';

/** How a weight is stored on the device. */
export type StoredType = 'float32' | 'float16';

export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

/** The largest value float16 holds: a tensor beyond it stays float32. */
const HALF_MAX = 65504;

export class ExternalWeights {
  private readonly converted: Uint8Array[] = [];
  private readonly usedPieces = new Map<BytePiece, string>();
  private readonly placed = new Map<string, ExternalRef & { stored: StoredType }>();

  constructor(private readonly file: SafetensorsFile) {}

  /** Where `info` lives as `wanted` (float16 may fall back to float32 for out-of-range values). */
  ref(info: TensorInfo, wanted: StoredType = 'float32'): ExternalRef & { stored: StoredType } {
    const key = `${info.name}|${wanted}`;
    const known = this.placed.get(key);
    if (known) return known;
    const ref = this.place(info, wanted);
    this.placed.set(key, ref);
    return ref;
  }

  private place(info: TensorInfo, wanted: StoredType): ExternalRef & { stored: StoredType } {
    const native =
      (wanted === 'float32' && info.dtype === 'F32') || (wanted === 'float16' && info.dtype === 'F16');
    const elementBytes = wanted === 'float32' ? 4 : 2;
    if (native) {
      const piece = pieceHolding(this.file.source, info.fileOffset, info.byteLength);
      const offset = piece ? info.fileOffset - piece.offset : -1;
      if (piece && (piece.bytes.byteOffset + offset) % elementBytes === 0) {
        return { location: this.pieceName(piece), offset, length: info.byteLength, stored: wanted };
      }
      return this.side(tensorBytes(this.file, info).slice(), wanted);
    }
    const values = tensorAsFloat32(this.file, info);
    if (wanted === 'float16') {
      const half = new Uint16Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (!(Math.abs(v) <= HALF_MAX)) return this.ref(info, 'float32');
        half[i] = floatToHalf(v);
      }
      return this.side(new Uint8Array(half.buffer), 'float16');
    }
    return this.side(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 'float32');
  }

  private pieceName(piece: BytePiece): string {
    let name = this.usedPieces.get(piece);
    if (!name) {
      name = `checkpoint-${this.usedPieces.size}.bin`;
      this.usedPieces.set(piece, name);
    }
    return name;
  }

  /** Converted bytes are an external file of their own: no packing copy, no size limit to watch. */
  private side(bytes: Uint8Array, stored: StoredType): ExternalRef & { stored: StoredType } {
    const location = `converted-${this.converted.length}.bin`;
    this.converted.push(bytes);
    return { location, offset: 0, length: bytes.byteLength, stored };
  }

  /** The files the session's externalData option must name. */
  files(): ExternalDataFile[] {
    const out: ExternalDataFile[] = [];
    for (const [piece, path] of this.usedPieces) out.push({ path, data: piece.bytes });
    this.converted.forEach((data, i) => {
      out.push({ path: `converted-${i}.bin`, data });
    });
    return out;
  }
}
