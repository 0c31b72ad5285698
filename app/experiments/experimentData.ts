/**
 * An experiment's data sets as the app has them: the built-in files (public/data, fetched and parsed
 * by the experiments module's own parser) and the user's uploads (parsed on upload; bad rows are
 * reported by line and the file is refused), cut to the run's limit, with the hash results are kept
 * under.
 */
import {
  builtinDataset,
  datasetHash,
  type Example,
  type ExampleSet,
  formatOfFileName,
  parseExamples,
  type RowError,
} from '../../workers/experiments/index.ts';

export interface LoadedDataset {
  ref: string;
  set: ExampleSet;
  /** SHA-256 of the examples run (after the limit), canonical JSONL. */
  hash: string;
}

/** An uploaded file's examples (only files without bad rows are kept). */
export interface UploadedDataset {
  name: string;
  examples: Example[];
}

export interface UploadOutcome {
  dataset?: UploadedDataset;
  errors: RowError[];
}

/** Parses an upload; any bad row refuses the file (never a silent drop), naming every bad line. */
export function parseUpload(fileName: string, text: string): UploadOutcome {
  const format = formatOfFileName(fileName);
  if (!format) return { errors: [{ line: 1, message: `${fileName}: expected a .csv or .jsonl file` }] };
  const { examples, errors } = parseExamples(text, format);
  if (errors.length) return { errors };
  return { dataset: { name: fileName, examples }, errors: [] };
}

export async function loadDataset(
  ref: string,
  fetchData: (file: string) => Promise<string>,
  uploads: Readonly<Record<string, UploadedDataset>>,
  limit?: number,
): Promise<LoadedDataset> {
  let examples: Example[];
  let filter: ExampleSet['filter'];
  if (ref.startsWith('builtin:')) {
    const builtin = builtinDataset(ref.slice('builtin:'.length));
    if (!builtin) throw new Error(`${ref}: no such built-in data set`);
    const parsed = parseExamples(await fetchData(builtin.file), 'jsonl');
    if (parsed.errors.length)
      throw new Error(`${builtin.file}: line ${parsed.errors[0]!.line}: ${parsed.errors[0]!.message}`);
    examples = parsed.examples;
    filter = builtin.filter;
  } else if (ref.startsWith('upload:')) {
    const upload = uploads[ref.slice('upload:'.length)];
    if (!upload) throw new Error(`${ref}: upload the file again (uploads are kept for this page only)`);
    examples = upload.examples;
  } else {
    throw new Error(`${ref}: expected builtin:NAME or upload:FILE`);
  }
  if (limit !== undefined) examples = examples.slice(0, limit);
  const set: ExampleSet = { name: ref, examples, ...(filter ? { filter } : {}) };
  return { ref, set, hash: await datasetHash(examples) };
}
