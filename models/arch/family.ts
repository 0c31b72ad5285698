/** What a model family provides: config.json -> ArchSpec, Hub tensor names -> ArchWeights. */
import type { SafetensorsFile } from '../safetensors.ts';
import type { ConfigFields } from './configFields.ts';
import type { ArchSpec, ArchWeights } from './spec.ts';

export interface FamilyAdapter {
  /** config.json's model_type. */
  modelType: string;
  spec(config: ConfigFields): ArchSpec;
  weights(file: SafetensorsFile, spec: ArchSpec): ArchWeights;
}
