/**
 * One-shot prompts from a template and a list of pairs, as the paper builds them: the worked example
 * (the shot) filled in completely, then the question for each pair, cut just before its answer.
 *
 *   template "Q: What is the capital of {argument}?\nA: {answer}", shot France/Paris, pair Poland/Warsaw
 *   -> prompt "Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:",
 *      answer " Warsaw", argument " Poland"
 *
 * The answer and argument carry the whitespace the template puts before them (" Warsaw"), so their
 * first token is the one the model would write there.
 */
import { csvParseRows } from 'd3';
import type { Example } from '../types.ts';
import type { RowError } from './parseExamples.ts';

export interface OneShotTemplate {
  /** One question and its answer, with {argument} before {answer}; the question is cut at {answer}. */
  template: string;
  shot: { argument: string; answer: string };
  /** Between the shot and the question (default a newline). */
  separator?: string;
  /** Text before the shot (e.g. the extractive "The capital of A is B." prefix). */
  prefix?: string;
}

export interface TemplatePair {
  argument: string;
  answer: string;
  id?: string | number;
}

const ARGUMENT = '{argument}';
const ANSWER = '{answer}';

/** Checks the template; the message says what is wrong. */
export function templateProblem(template: string): string | null {
  const count = (what: string) => template.split(what).length - 1;
  if (count(ARGUMENT) !== 1) return `the template needs ${ARGUMENT} exactly once`;
  if (count(ANSWER) !== 1) return `the template needs ${ANSWER} exactly once`;
  if (template.indexOf(ARGUMENT) > template.indexOf(ANSWER)) return `${ARGUMENT} must come before ${ANSWER}`;
  return null;
}

/** Examples for the pairs; a pair with an empty argument or answer is an error with its (1-based) row. */
export function buildFromTemplate(
  spec: OneShotTemplate,
  pairs: readonly TemplatePair[],
): { examples: Example[]; errors: RowError[] } {
  const problem = templateProblem(spec.template);
  if (problem) throw new RangeError(problem);
  const cut = spec.template.indexOf(ANSWER);
  // the whitespace just before {answer} belongs to the answer's token, not to the prompt
  const question = spec.template.slice(0, cut);
  const head = question.trimEnd();
  const answerLead = question.slice(head.length);
  const argumentLead = leadingSpaceOf(spec.template, spec.template.indexOf(ARGUMENT));
  const shot = fill(spec.template, spec.shot.argument, spec.shot.answer);
  const start = `${spec.prefix ?? ''}${shot}${spec.separator ?? '\n'}`;
  const examples: Example[] = [];
  const errors: RowError[] = [];
  pairs.forEach((pair, i) => {
    const row = i + 1;
    const argument = pair.argument.trim();
    const answer = pair.answer.trim();
    if (!argument || !answer) {
      errors.push({ line: row, message: `the pair needs ${!argument ? 'an argument' : 'an answer'}` });
      return;
    }
    examples.push({
      id: pair.id ?? row,
      prompt: start + head.replace(ARGUMENT, () => argument),
      answer: answerLead + answer,
      argument: argumentLead + argument,
    });
  });
  return { examples, errors };
}

/**
 * Pairs as a person types them, one a line: `argument<TAB>answer`, or `argument,answer` (quote a
 * field that holds a comma: `"Washington, D.C.",Olympia`). Blank lines are skipped; a line that is not
 * two non-empty fields is an error with its line number.
 */
export function parsePairLines(text: string): { pairs: TemplatePair[]; errors: RowError[] } {
  const pairs: TemplatePair[] = [];
  const errors: RowError[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    if (content.trim() === '') return;
    const fields = content.includes('\t') ? content.split('\t') : (csvParseRows(content)[0] ?? []);
    const [argument = '', answer = ''] = fields.map((f) => f.trim());
    if (fields.length !== 2 || !argument || !answer) {
      errors.push({ line: i + 1, message: 'expected two fields: argument, answer' });
    } else pairs.push({ argument, answer });
  });
  return { pairs, errors };
}

function fill(template: string, argument: string, answer: string): string {
  // function replacers: a "$" in the text is not a replacement pattern
  return template.replace(ARGUMENT, () => argument).replace(ANSWER, () => answer);
}

/** " " when a space comes right before position `at` (the token then starts with it). */
function leadingSpaceOf(text: string, at: number): string {
  return at > 0 && text[at - 1] === ' ' ? ' ' : '';
}
