/** Fixture checkpoints and engines shared by the engine tests. */
import { type FixtureOptions, makeGpt2Fixture } from '../../models/fixtures.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../../models/tokenizer/nodeAssets.ts';
import type { ModelFiles } from '../../workers/engine/types.ts';
import { Gpt2Reference } from '../reference/gpt2Reference.ts';

let tokenizerJson: unknown;
export function gpt2TokenizerJson(): unknown {
  tokenizerJson ??= loadGpt2TokenizerJsonFromPackage();
  return tokenizerJson;
}

export interface TestCheckpoint {
  files: ModelFiles;
  reference: Gpt2Reference;
}

export function testCheckpoint(name: string, options: FixtureOptions): TestCheckpoint {
  const fixture = makeGpt2Fixture(options);
  return {
    files: { name, config: fixture.config, safetensors: fixture.safetensors, tokenizer: gpt2TokenizerJson() },
    reference: Gpt2Reference.fromCheckpoint(fixture.config, fixture.safetensors),
  };
}
