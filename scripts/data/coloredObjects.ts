/**
 * Colored objects: one-shot prompts in BIG-bench's "reasoning about colored objects" format, drawn
 * (seeded) from that task's vocabulary of colours, objects and surfaces:
 *
 *   Q: On the floor, I see a silver keychain, ..., and a blue cat toy. What color is the keychain?
 *   A: Silver
 *   Q: On the table, you see a brown sheet of paper, ... What color is the sheet of paper?
 *   A:                                                              -> " Brown" (abstractive)
 *
 * The extractive variant differs in one character: the worked answer is in lower case ("silver"), so
 * the answer (" brown") is copied from the context. Both variants share every draw.
 */
import { seededRandom } from '../../models/fixtures.ts';
import type { Example } from '../../workers/experiments/types.ts';

/** BIG-bench's colours (the task's answer options). */
export const COLORS = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'brown',
  'magenta',
  'fuchsia',
  'mauve',
  'teal',
  'turquoise',
  'burgundy',
  'silver',
  'gold',
  'black',
  'grey',
  'purple',
  'pink',
] as const;

const OBJECTS = [
  'pencil',
  'notebook',
  'pen',
  'cup',
  'plate',
  'jug',
  'mug',
  'puzzle',
  'textbook',
  'booklet',
  'sheet of paper',
  'paperclip',
  'keychain',
  'fidget spinner',
  'stress ball',
  'pair of sunglasses',
  'teddy bear',
  'envelope',
  'dog leash',
  'cat toy',
  'bracelet',
  'necklace',
  'scrunchie',
  'phone charger',
];
const SURFACES = ['floor', 'table', 'desk', 'nightstand'];
const VIEWERS = ['I see', 'you see', 'there is'];

export const COLORED_OBJECTS_SEED = 20230526;

interface Question {
  text: string;
  color: string;
}

export interface ColoredObjectsPair {
  abstractive: Example;
  extractive: Example;
}

export function coloredObjects(count: number, seed = COLORED_OBJECTS_SEED): ColoredObjectsPair[] {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const draw = <T>(list: readonly T[], n: number): T[] => {
    const pool = [...list];
    return Array.from({ length: n }, () => pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  };
  const question = (avoidColor?: string): Question => {
    const n = 3 + Math.floor(random() * 4); // 3-6 objects, as in the task
    const objects = draw(OBJECTS, n);
    const colors = draw(
      COLORS.filter((c) => c !== avoidColor),
      n,
    );
    const asked = Math.floor(random() * n);
    const items = objects.map((o, i) => `${colors[i] === 'orange' ? 'an' : 'a'} ${colors[i]} ${o}`);
    const list = `${items.slice(0, -1).join(', ')}, and ${items[n - 1]}`;
    const text = `Q: On the ${pick(SURFACES)}, ${pick(VIEWERS)} ${list}. What color is the ${objects[asked]}?\nA:`;
    return { text, color: colors[asked]! };
  };
  return Array.from({ length: count }, (_, i) => {
    const test = question();
    // the worked answer never is the test's: copying it must not solve the task
    const shot = question(test.color);
    const example = (shotAnswer: string, answer: string): Example => ({
      id: i + 1,
      prompt: `${shot.text} ${shotAnswer}\n${test.text}`,
      answer: ` ${answer}`,
      argument: ` ${test.color}`,
    });
    return {
      abstractive: example(capitalize(shot.color), capitalize(test.color)),
      extractive: example(shot.color, test.color),
    };
  });
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
