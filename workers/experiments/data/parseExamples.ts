/**
 * A user's data set: CSV (a header row naming the columns) or JSONL (one object per line), with
 * `prompt`, `answer` and optional `argument`, `id`. Every bad row is reported with its line number and
 * what is wrong; none is silently dropped. Ids default to the row's line number.
 */
import { csvParseRows } from 'd3';
import type { Example } from '../types.ts';

export interface RowError {
  /** 1-based line of the file where the row starts. */
  line: number;
  message: string;
}

export interface ParsedExamples {
  examples: Example[];
  errors: RowError[];
}

export type DataFormat = 'csv' | 'jsonl';

const FIELDS = ['id', 'prompt', 'answer', 'argument'] as const;

/** The format a file name says (.csv, .jsonl or .ndjson); undefined when it says neither. */
export function formatOfFileName(name: string): DataFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

export function parseExamples(text: string, format: DataFormat): ParsedExamples {
  const rows = format === 'csv' ? csvRows(text) : jsonlRows(text);
  const examples: Example[] = [];
  const errors: RowError[] = [...rows.errors];
  const seen = new Map<string, number>();
  for (const { line, fields } of rows.rows) {
    const problems = rowProblems(fields);
    if (problems.length) {
      errors.push({ line, message: problems.join('; ') });
      continue;
    }
    const id = fields.id === undefined || fields.id === '' ? line : (fields.id as string | number);
    const key = `${typeof id}:${id}`;
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({ line, message: `id ${JSON.stringify(id)} is already used on line ${first}` });
      continue;
    }
    seen.set(key, line);
    const example: Example = { id, prompt: fields.prompt as string, answer: fields.answer as string };
    if (typeof fields.argument === 'string' && fields.argument !== '') example.argument = fields.argument;
    examples.push(example);
  }
  errors.sort((a, b) => a.line - b.line);
  if (rows.rows.length === 0 && errors.length === 0) {
    errors.push({ line: 1, message: 'the file holds no examples' });
  }
  return { examples, errors };
}

/** One line for an error message: the first few bad rows. */
export function describeRowErrors(errors: readonly RowError[], most = 3): string {
  const shown = errors.slice(0, most).map((e) => `line ${e.line}: ${e.message}`);
  const more = errors.length > most ? `; and ${errors.length - most} more` : '';
  const count = errors.length === 1 ? '1 bad row' : `${errors.length} bad rows`;
  return `${count}: ${shown.join('; ')}${more}`;
}

interface RawRow {
  line: number;
  fields: Record<string, unknown>;
}

function rowProblems(fields: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of ['prompt', 'answer'] as const) {
    const value = fields[name];
    if (value === undefined || value === '') problems.push(`"${name}" is missing or empty`);
    else if (typeof value !== 'string') problems.push(`"${name}" must be text (got ${typeof value})`);
  }
  const { argument, id } = fields;
  if (argument !== undefined && typeof argument !== 'string') {
    problems.push(`"argument" must be text (got ${typeof argument})`);
  }
  if (id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
    problems.push(`"id" must be text or a number (got ${JSON.stringify(id)})`);
  }
  return problems;
}

function jsonlRows(text: string): { rows: RawRow[]; errors: RowError[] } {
  const rows: RawRow[] = [];
  const errors: RowError[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    const line = i + 1;
    if (content.trim() === '') return; // blank lines are not rows
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (error) {
      errors.push({ line, message: `not valid JSON (${(error as Error).message})` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push({ line, message: 'must be a JSON object with "prompt" and "answer"' });
      return;
    }
    const unknown = Object.keys(value).filter((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown.length) {
      errors.push({
        line,
        message: `unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')} (expected ${FIELDS.join(', ')})`,
      });
      return;
    }
    rows.push({ line, fields: value as Record<string, unknown> });
  });
  return { rows, errors };
}

/** RFC 4180 rows (d3-dsv): quoted fields may hold commas and newlines, so lines are counted per row. */
function csvRows(text: string): { rows: RawRow[]; errors: RowError[] } {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records = csvParseRows(body);
  const errors: RowError[] = [];
  const header = records[0]?.map((h) => h.trim());
  if (!header || header.every((h) => h === '')) {
    return { rows: [], errors: [{ line: 1, message: 'no header row (expected columns prompt, answer)' }] };
  }
  const unknown = header.filter((h) => !(FIELDS as readonly string[]).includes(h));
  const missing = ['prompt', 'answer'].filter((h) => !header.includes(h));
  if (unknown.length || missing.length) {
    const parts = [
      ...(missing.length ? [`no ${missing.map((h) => `"${h}"`).join(' or ')} column`] : []),
      ...(unknown.length ? [`unknown column ${unknown.map((h) => JSON.stringify(h)).join(', ')}`] : []),
    ];
    return {
      rows: [],
      errors: [{ line: 1, message: `header: ${parts.join('; ')} (expected ${FIELDS.join(', ')})` }],
    };
  }
  const rows: RawRow[] = [];
  let line = 1 + lineBreaks(records[0]!);
  for (const record of records.slice(1)) {
    line += 1;
    const start = line;
    line += lineBreaks(record);
    if (record.length === 1 && record[0] === '') continue; // a blank line
    if (record.length !== header.length) {
      errors.push({ line: start, message: `${record.length} fields, the header has ${header.length}` });
      continue;
    }
    rows.push({ line: start, fields: Object.fromEntries(header.map((h, i) => [h, record[i]!])) });
  }
  return { rows, errors };
}

/** Line breaks inside a record's quoted fields. */
function lineBreaks(record: readonly string[]): number {
  let n = 0;
  for (const field of record) n += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  return n;
}
