/**
 * Places checkpoint tensors as ONNX external data. F32 tensors point straight into the safetensors
 * bytes (GPT-2's Conv1D weights are already [in, out], so MatMul takes them as they are); F16 and
 * BF16 tensors are widened once into a side buffer, since the graph computes in float32.
 */
import type { ExternalRef } from '../onnx/graphBuilder.ts';
import { type SafetensorsFile, type TensorInfo, tensorAsFloat32 } from '../safetensors.ts';

export const CHECKPOINT_LOCATION = 'model.safetensors';
export const CONVERTED_LOCATION = 'converted.bin';

export interface ExternalDataFile {
  path: string;
  data: Uint8Array;
}

export class ExternalWeights {
  private readonly converted: Float32Array[] = [];
  private convertedBytes = 0;
  private readonly placed = new Map<TensorInfo, ExternalRef>();

  constructor(private readonly file: SafetensorsFile) {}

  ref(info: TensorInfo): ExternalRef {
    const known = this.placed.get(info);
    if (known) return known;
    let ref: ExternalRef;
    if (info.dtype === 'F32' && info.fileOffset % 4 === 0) {
      ref = { location: CHECKPOINT_LOCATION, offset: info.fileOffset, length: info.byteLength };
    } else {
      const values = tensorAsFloat32(this.file, info);
      ref = { location: CONVERTED_LOCATION, offset: this.convertedBytes, length: values.byteLength };
      this.converted.push(values);
      this.convertedBytes += values.byteLength;
    }
    this.placed.set(info, ref);
    return ref;
  }

  /** The files the session's externalData option must name. */
  files(): ExternalDataFile[] {
    const out: ExternalDataFile[] = [{ path: CHECKPOINT_LOCATION, data: this.file.bytes }];
    if (this.convertedBytes > 0) {
      const data = new Uint8Array(this.convertedBytes);
      let at = 0;
      for (const values of this.converted) {
        data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
        at += values.byteLength;
      }
      out.push({ path: CONVERTED_LOCATION, data });
    }
    return out;
  }
}
