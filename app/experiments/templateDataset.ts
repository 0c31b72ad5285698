/**
 * "Your own data" without a file: a one-shot template and a list of pairs, one `argument, answer`
 * a line, become a data set like an uploaded one (kept under the same refs, hashed the same way, so
 * results are keyed by its examples). Any bad line refuses the whole list, each named by its line
 * number (never a silent drop).
 *
 * The template takes one of two forms:
 * - the question with its answer, `Q: What is the capital of {argument}?\nA: {answer}`: the shot is
 *   that filled in with the shot pair, then each pair's question cut before its answer (the built-in
 *   data sets' form, workers/experiments/data/template.ts);
 * - the whole prompt, `Q: ... {argument}?\nA: {answer}\nQ: ... {argument}?\nA:`: the part up to
 *   {answer} is the shot (filled with the shot pair), the rest is the question for each pair.
 * Either way the answer and argument carry the space the template puts before them (" Warsaw").
 */
import {
  buildFromTemplate,
  type Example,
  parsePairLines,
  type RowError,
  templateProblem,
} from '../../workers/experiments/index.ts';
import type { UploadedDataset } from './experimentData.ts';

export interface TemplateInput {
  /** The data set's name (its ref is upload:NAME). */
  name: string;
  template: string;
  /** The worked example, as one `argument, answer` line. */
  shot: string;
  /** One `argument, answer` (or argument<TAB>answer) a line; blank lines are skipped. */
  pairs: string;
}

export interface TemplateOutcome {
  dataset?: UploadedDataset;
  /** Bad pair lines (1-based lines of the pairs' text). */
  errors: RowError[];
  /** What is wrong with the name, the template or the shot. */
  problem?: string;
}

export const EXAMPLE_TEMPLATE =
  'Q: What is the capital of {argument}?\nA: {answer}\nQ: What is the capital of {argument}?\nA:';

const ARGUMENT = '{argument}';
const ANSWER = '{answer}';
const count = (text: string, what: string): number => text.split(what).length - 1;
const leadingSpace = (text: string, at: number): string => (at > 0 && text[at - 1] === ' ' ? ' ' : '');

/** The problem with a template in either form, or null. */
export function wholePromptProblem(template: string): string | null {
  if (count(template, ARGUMENT) !== 2 || count(template, ANSWER) !== 1) return templateProblem(template);
  const answerAt = template.indexOf(ANSWER);
  const first = template.indexOf(ARGUMENT);
  const second = template.indexOf(ARGUMENT, first + 1);
  if (!(first < answerAt && answerAt < second))
    return `the whole-prompt form needs ${ARGUMENT}, then ${ANSWER} (the shot), then ${ARGUMENT} (the question)`;
  if (template.slice(second).trim() === ARGUMENT)
    return 'the question needs text around {argument} (e.g. "Q: ... {argument}?\\nA:")';
  return null;
}

export function templateDataset(input: TemplateInput): TemplateOutcome {
  const name = input.name.trim();
  if (!name) return { errors: [], problem: 'give the data set a name' };
  const problem = wholePromptProblem(input.template);
  if (problem) return { errors: [], problem: `template: ${problem}` };
  const shotLine = parsePairLines(input.shot);
  const shot = shotLine.pairs[0];
  if (!shot || shotLine.pairs.length !== 1 || shotLine.errors.length)
    return { errors: [], problem: 'shot: expected one line, argument, answer (e.g. France, Paris)' };
  const { pairs, errors } = parsePairLines(input.pairs);
  if (errors.length) return { errors };
  if (pairs.length === 0) return { errors: [], problem: 'pairs: no pairs (one argument, answer a line)' };
  const examples =
    count(input.template, ARGUMENT) === 2
      ? wholePromptExamples(input.template, shot, pairs)
      : buildFromTemplate({ template: input.template, shot }, pairs).examples;
  return { dataset: { name, examples }, errors: [] };
}

function wholePromptExamples(
  template: string,
  shot: { argument: string; answer: string },
  pairs: ReadonlyArray<{ argument: string; answer: string }>,
): Example[] {
  const answerAt = template.indexOf(ANSWER);
  const cut = answerAt + ANSWER.length;
  const start = template
    .slice(0, cut)
    .replace(ARGUMENT, () => shot.argument)
    .replace(ANSWER, () => shot.answer);
  const question = template.slice(cut).trimEnd();
  const answerLead = leadingSpace(template, answerAt);
  const argumentLead = leadingSpace(question, question.indexOf(ARGUMENT));
  return pairs.map((pair, i) => ({
    id: i + 1,
    prompt: start + question.replace(ARGUMENT, () => pair.argument),
    answer: answerLead + pair.answer,
    argument: argumentLead + pair.argument,
  }));
}
