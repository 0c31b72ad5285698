/**
 * The experiments module's public face: what the app's worker and the CLI call. Pure TypeScript, no
 * DOM, no ORT: give it an engine (a LensEngine is one) and plain data; get plain data back.
 */
export type {
  AblationExampleResult,
  AblationResult,
  AblationSettings,
  AblationStep,
} from './ablationExperiment.ts';
export { ablationIntervention, runAblation, summarizeAblation } from './ablationExperiment.ts';
export type { SweepCell, SweepOutcome, SweepResult, SweepSettings } from './blockSweep.ts';
export { runBlockSweep, sampleExamples, sweepRanges } from './blockSweep.ts';
export {
  ablationSteps,
  blocksOf,
  defaultOvectorBlocks,
  PAPER_OVECTOR_BLOCKS,
  parseBlockRange,
  scaleBlockRange,
} from './blocks.ts';
export type { BuiltinDataset } from './data/builtinData.ts';
export { BUILTIN_DATASETS, builtinDataset, FIGURE5_TASKS, FIGURE7_PAIRS } from './data/builtinData.ts';
export type { ExperimentKeyParts } from './data/datasetHash.ts';
export { canonicalJsonl, datasetHash, experimentKey } from './data/datasetHash.ts';
export type { DataFormat, ParsedExamples, RowError } from './data/parseExamples.ts';
export { describeRowErrors, formatOfFileName, parseExamples } from './data/parseExamples.ts';
export type { OneShotTemplate, TemplatePair } from './data/template.ts';
export { buildFromTemplate, parsePairLines, templateProblem } from './data/template.ts';
export { meanReciprocalRanks, rate, relativeDepths } from './metrics.ts';
export type {
  OvectorExampleResult,
  OvectorResult,
  OvectorSettings,
  OvectorSettingsUsed,
  OvectorSummary,
  RunTrace,
} from './ovectorExperiment.ts';
export {
  ovectorIntervention,
  ovectorSettingsUsed,
  runOvector,
  summarizeOvector,
} from './ovectorExperiment.ts';
export { prepareExamples } from './prepare.ts';
export type { StagesExampleResult, StagesResult, StagesSummary, TokenMeans } from './stagesExperiment.ts';
export { runStages, summarizeStages } from './stagesExperiment.ts';
export type * from './types.ts';
