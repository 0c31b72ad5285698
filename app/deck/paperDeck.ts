/**
 * The built-in deck "the paper in a few slides": Merullo et al., "Language Models Implement Simple
 * Word2Vec-style Vector Arithmetic", on gpt2-medium from the Hub, one slide per claim. The deck is
 * data: prompts are the paper's (or its notebook's, jmerullo/lm_vector_arithmetic demo.ipynb), token
 * ids are GPT-2's real ids (tests/paperDeck.test.ts checks them against the tokenizer), and the
 * o-vectors are the authors' released files, shipped in public/vectors/paper/ (see ATTRIBUTION.md
 * there).
 *
 * Fallbacks: every slide carries a `fallback` state on the built-in model (4 blocks, random weights)
 * for a venue without the Hub. It shows the interface only (same prompt, view and tracked tokens);
 * the o-vectors become vectors captured on the built-in model itself (a recipe on the vector's own
 * source prompt), and blocks map proportionally from gpt2-medium's 24 to the built-in model's 4
 * (`builtinBlock`: FFN 19 -> 3, FFNs 18-23 -> 3).
 *
 * Marks: stage marks are model-independent. Row and cell marks carry gpt2-medium's state indices
 * (0 = embeddings, 2i+1 = after block i's attention, 2i+2 = after block i; e.g. 40 = after block 19)
 * for the fallback too: mapping them onto a smaller model (or dropping them) is the app's job.
 *
 * Pure data: no DOM, no React. `paperDeck()` builds a fresh object on every call.
 */
import type { SharedStateV1, SharedVector } from '../url/stateSchema.ts';
import { DECK_KIND, type DeckV1, type Slide, type SlideMark } from './deckTypes.ts';

export const PAPER_DECK_ID = 'paper';

// ---------------------------------------------------------------------------------------------
// Models and blocks

/** The paper's model (Section 4 focuses on gpt2-medium). */
/** The catalogue's repository id (the Hub redirects the legacy 'gpt2-medium' there). */
const GPT2_MEDIUM = { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' } as const;
const PAPER_BLOCKS = 24;
/** The built-in model's depth (random weights: the interface only). */
const BUILTIN_BLOCKS = 4;

/** A gpt2-medium block mapped proportionally onto the built-in model: 0-5 -> 0, ..., 18-23 -> 3. */
export function builtinBlock(block: number): number {
  return Math.floor((block * BUILTIN_BLOCKS) / PAPER_BLOCKS);
}

/** The FFNs the paper replaces with an o-vector (footnote 5; the notebook's `layer_idx = 18` to 23). */
const REPLACED_FFNS = [18, 19, 20, 21, 22, 23] as const;

/** State index after block `i` (its FFN): 2i+2. */
const afterBlock = (i: number): number => 2 * i + 2;
/** State index after block `i`'s attention, before its FFN: 2i+1. */
const afterAttention = (i: number): number => 2 * i + 1;

// ---------------------------------------------------------------------------------------------
// Token ids: GPT-2's BPE (r50k_base), each word with its leading space, each a single token

const POLAND = 12873; // " Poland"
const WARSAW = 32955; // " Warsaw"
const CHINA = 2807; // " China"
const BEIJING = 11618; // " Beijing"
const BREAD = 8509; // " bread"
const BREAD_UPPER = 28731; // " Bread"
const DEVISE = 44668; // " devise"
const DEVISED = 28964; // " devised"
const BROWN = 7586; // " brown"
const BROWN_UPPER = 4373; // " Brown"

// ---------------------------------------------------------------------------------------------
// Prompts

/** Section 2.2 / Figure 2: one-shot world capitals (the expectations file's prompt A). */
const CAPITAL_PROMPT = 'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:';
/** Figure 4: three random tokens and the argument, repeated (no cue about capitals). */
const CHINA_PROMPT = 'table mug free China table mug free China table mug free';

/**
 * Section 2.2: the colored-objects one-shot prompt o_upper was captured from (answer " Brown"), with the
 * in-context label as a parameter. Section 5.2: "Silver" makes it abstractive (the answer " Brown" must
 * be made from " brown"), "silver" extractive (the answer " brown" is in the context): one character.
 */
const coloredObjects = (label: 'Silver' | 'silver'): string =>
  'Q: On the floor, I see a silver keychain, a red pair of sunglasses, a gold sheet of paper, a black dog ' +
  `leash, and a blue cat toy. What color is the keychain?\nA: ${label}\nQ: On the table, you see a brown ` +
  'sheet of paper, a red fidget spinner, a blue pair of sunglasses, a teal dog leash, and a gold cup. What ' +
  'color is the sheet of paper?\nA:';
const ABSTRACTIVE_PROMPT = coloredObjects('Silver');
const EXTRACTIVE_PROMPT = coloredObjects('silver');
/** The notebook's uppercasing test prompt: " bread" as the argument among random tokens. */
const BREAD_PROMPT = 'returning ensus machine bread returning ensus machine bread returning ensus machine';
/** Section 2.2's past-tense one-shot prompt, o_past's source (answer " abolished"). */
const PAST_PROMPT = 'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I';
/** The notebook's past-tense test prompt: " devise" as the argument among random tokens. */
const DEVISE_PROMPT = 'Harry Story ] devise Harry Story ] devise Harry Story ]';

// ---------------------------------------------------------------------------------------------
// The paper's o-vectors

interface PaperVector {
  id: string;
  /** Short name in the paper. */
  label: string;
  /** The FFN of gpt2-medium it is the output of (last position of `sourcePrompt`). */
  block: number;
  /** Relative to the app's `vectors/` folder (public/vectors/). */
  asset: string;
  sourcePrompt: string;
}

const O_CITY: PaperVector = {
  id: 'o_city',
  label: 'o_city',
  block: 19,
  asset: 'paper/city_capital_o19_gpt2-medium.npy',
  sourcePrompt: CAPITAL_PROMPT,
};
const O_UPPER: PaperVector = {
  id: 'o_upper',
  label: 'o_upper',
  block: 19,
  asset: 'paper/uppercase_o19_gpt2-medium.npy',
  sourcePrompt: ABSTRACTIVE_PROMPT,
};
const O_PAST: PaperVector = {
  id: 'o_past',
  label: 'o_past',
  block: 18,
  asset: 'paper/regular_past_o18_gpt2-medium.npy',
  sourcePrompt: PAST_PROMPT,
};

/** The released file itself (float32, 1024 values). */
const paperVector = (v: PaperVector): SharedVector => ({
  id: v.id,
  name: `${v.label} · FFN ${v.block} · paper`,
  asset: v.asset,
});

/** The fallback's stand-in: the same FFN output captured on the built-in model, block mapped. */
const builtinVector = (v: PaperVector): SharedVector => {
  const block = builtinBlock(v.block);
  return {
    id: `${v.id}_builtin`,
    name: `${v.label} · FFN ${block} · built-in`,
    recipe: { model: { source: 'builtin' }, prompt: v.sourcePrompt, block, kind: 'ffn' },
  };
};

// ---------------------------------------------------------------------------------------------
// States

const view = (front: SharedStateV1['view']['front'], rows: SharedStateV1['view']['rows'] = 'blocks') => ({
  rows,
  rank: 'reciprocal' as const,
  front,
});

/** A plain lens run: no vectors, no interventions. */
function lensState(
  model: SharedStateV1['model'],
  prompt: string,
  tracked: number[],
  front: SharedStateV1['view']['front'],
  rows: SharedStateV1['view']['rows'] = 'blocks',
): SharedStateV1 {
  return {
    v: 1,
    model,
    prompt,
    tracked,
    view: view(front, rows),
    vectors: [],
    interventions: { scope: 'all', slots: [] },
  };
}

/** `vector` replaces the FFN outputs of `blocks` at every position, control beside intervened. */
function replaceState(
  model: SharedStateV1['model'],
  prompt: string,
  tracked: number[],
  vector: SharedVector,
  blocks: readonly number[],
): SharedStateV1 {
  return {
    ...lensState(model, prompt, tracked, 'compare'),
    vectors: [vector],
    interventions: {
      scope: 'all',
      slots: blocks.map((block) => ({ block, kind: 'ffn', mode: 'replace', vectorId: vector.id })),
    },
  };
}

/** The o-vector slide on gpt2-medium, with its built-in fallback. */
function interventionStates(
  prompt: string,
  tracked: number[],
  vector: PaperVector,
): Pick<Slide, 'state' | 'fallback'> {
  const fallbackBlocks = [...new Set(REPLACED_FFNS.map(builtinBlock))];
  return {
    state: replaceState(GPT2_MEDIUM, prompt, tracked, paperVector(vector), REPLACED_FFNS),
    fallback: replaceState({ source: 'builtin' }, prompt, tracked, builtinVector(vector), fallbackBlocks),
  };
}

/** A plain lens slide on gpt2-medium, with the same run on the built-in model as its fallback. */
function lensStates(
  prompt: string,
  tracked: number[],
  front: SharedStateV1['view']['front'],
  rows: SharedStateV1['view']['rows'] = 'blocks',
): Pick<Slide, 'state' | 'fallback'> {
  return {
    state: lensState(GPT2_MEDIUM, prompt, tracked, front, rows),
    fallback: lensState({ source: 'builtin' }, prompt, tracked, front, rows),
  };
}

const STAGES: SlideMark[] = [
  { kind: 'stage', stage: 'argument' },
  { kind: 'stage', stage: 'function' },
  { kind: 'stage', stage: 'saturation' },
];

/** The first state the replaced FFNs change, and the model's output at the last position. */
const interventionMarks = (): SlideMark[] => [
  { kind: 'row', state: afterBlock(REPLACED_FFNS[0]) },
  { kind: 'cell', state: afterBlock(PAPER_BLOCKS - 1), position: 'last' },
];

// ---------------------------------------------------------------------------------------------
// The deck

export function paperDeck(): DeckV1 {
  const slides: Slide[] = [
    {
      id: 'figure-2',
      title: 'Three stages: Poland, then Warsaw (Figure 2)',
      caption:
        'gpt2-medium first surfaces the argument " Poland" in its middle layers (argument formation), ' +
        'then the FFN of block 19 adds a vector that applies capital_of and turns it into " Warsaw" ' +
        '(function application), and " Warsaw" stays on top to the output (saturation): the X of the two ranks.',
      ...lensStates(CAPITAL_PROMPT, [POLAND, WARSAW], 'rank'),
      // the state after block 19 (index 40) at the last position: the first one decoded as " Warsaw"
      marks: [...STAGES, { kind: 'cell', state: afterBlock(19), position: 'last' }],
    },
    {
      id: 'figure-4',
      title: 'o_city on a new argument: China, then Beijing (Figure 4)',
      caption:
        'o_city is the update FFN 19 made while turning Poland into Warsaw; put in place of FFNs 18-23 ' +
        'on a prompt with no hint of capitals, it applies the same capital_of function to the new ' +
        'argument " China", and " Beijing" rises to the top (Poland:Warsaw::China:Beijing).',
      ...interventionStates(CHINA_PROMPT, [CHINA, BEIJING], O_CITY),
      marks: interventionMarks(),
    },
    {
      id: 'figure-5',
      title: 'o_city at data-set scale (Figure 5)',
      caption:
        'Over every country (and US state) in a random-token context, o_city on FFNs 18-23 lifts the ' +
        "answer's mean reciprocal rank: from about the 10th to the 4th word (world capitals) and the 20th " +
        'to the 3rd (US states). The figure is the latest finished Figure 5 run in this browser.',
      ...interventionStates(CHINA_PROMPT, [CHINA, BEIJING], O_CITY),
      marks: interventionMarks(),
      figure: 'figure5',
    },
    {
      id: 'uppercase',
      title: 'o_upper: bread, then Bread (Section 4)',
      caption:
        'o_upper is the FFN 19 update that turned the in-context " brown" into the answer " Brown"; ' +
        'replacing FFNs 18-23 with it uppercases an unrelated token, " bread" to " Bread". The paper ' +
        'finds o_upper promotes the capitalised token almost every time.',
      ...interventionStates(BREAD_PROMPT, [BREAD, BREAD_UPPER], O_UPPER),
      marks: interventionMarks(),
    },
    {
      // " devise" and " devised" are single GPT-2 tokens: the notebook's own example is used as is
      id: 'past-tense',
      title: 'o_past: devise, then devised (Section 4)',
      caption:
        'o_past is the FFN 18 update from "Today I abolish. Yesterday I" (answer " abolished"); ' +
        'replacing FFNs 18-23 with it promotes the past tense " devised" of the argument " devise". ' +
        'The paper sees past tenses rise from about 7th to 3rd rank on average, less often to the top.',
      ...interventionStates(DEVISE_PROMPT, [DEVISE, DEVISED], O_PAST),
      marks: interventionMarks(),
    },
    {
      // Section 5.2's colored-objects pair (Figure 6 shows a world-capitals pair that differs by a whole
      // prefix; this one differs by one character, "Silver" vs "silver"). All states are shown: the
      // notebook finds " brown" on top only between block 19's attention and its FFN (index 39).
      id: 'abstractive',
      title: 'Abstractive: the answer is not in the context (Section 5)',
      caption:
        'With "A: Silver" as the example answer, " Brown" appears nowhere in the prompt: the model must ' +
        'transform " brown" with a function from pretraining memory, applied by mid-to-late FFNs; ' +
        'removing FFNs makes accuracy on such abstractive tasks plummet.',
      ...lensStates(ABSTRACTIVE_PROMPT, [BROWN, BROWN_UPPER], 'heatmap', 'all'),
      marks: [...STAGES, { kind: 'cell', state: afterAttention(19), position: 'last' }],
    },
    {
      id: 'extractive',
      title: 'Extractive: one character later, the answer is in the context (Section 5)',
      caption:
        'Change one character ("A: silver") and the answer " brown" is in the prompt: attention can copy ' +
        'it from the context, the argument-then-function X disappears, and accuracy drops far more slowly ' +
        'as FFNs are removed (BLOOM without 24 FFNs: 17% lower, against 73% on the abstractive version).',
      ...lensStates(EXTRACTIVE_PROMPT, [BROWN, BROWN_UPPER], 'heatmap', 'all'),
      marks: [
        { kind: 'stage', stage: 'saturation' },
        { kind: 'cell', state: afterAttention(19), position: 'last' },
      ],
    },
  ];
  return { v: 1, kind: DECK_KIND, id: PAPER_DECK_ID, title: 'The paper in a few slides', slides };
}
