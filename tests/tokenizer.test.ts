import { encode as referenceEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../models/fixtures.ts';
import { buildGpt2TokenizerJson, parseMerges } from '../models/tokenizer/gpt2TokenizerJson.ts';
import { loadGpt2TokenizerJsonFromPackage } from '../models/tokenizer/nodeAssets.ts';
import { TextTokenizer, TokenizerError, visibleToken } from '../models/tokenizer/tokenizer.ts';

const json = loadGpt2TokenizerJsonFromPackage();
const tok = TextTokenizer.fromJson(json);

/** Strings whose ids differ from r50k_base, reported together so one failure shows them all. */
function mismatches(texts: readonly string[]): { text: string; ours: number[]; reference: number[] }[] {
  const out: { text: string; ours: number[]; reference: number[] }[] = [];
  for (const text of texts) {
    const ours = tok.encode(text);
    const reference = referenceEncode(text);
    if (ours.join(',') !== reference.join(',')) out.push({ text, ours, reference });
  }
  return out;
}

const PAPER_PROMPTS = [
  'Q: What is the capital of France?\nA: Paris\nQ: What is the capital of Poland?\nA:',
  'table mug free China table mug free China table mug free',
  'Today I abandon. Yesterday I abandoned. Today I abolish. Yesterday I',
  'Q: On the table, you see a brown sheet of paper, a red fidget spinner, a blue pair of sunglasses, a teal ' +
    'dog leash, and a gold cup. What color is the sheet of paper?\nA:',
];

const UNICODE = [
  'café crème brûlée',
  'Zürich, Straße, Øresund, Łódź, Kraków, Gdańsk',
  'naïve façade coöperate',
  'e\u0301 a\u0300 n\u0303 (combining marks)',
  'Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dalgo',
  '東京は日本の首都です。',
  '中华人民共和国',
  '한국어 텍스트',
  'カタカナとひらがな',
  'مرحبا بالعالم',
  'שלום עולם',
  'Привет, мир! Ёжик в тумане.',
  'Ελληνικά γράμματα αβγδ',
  'हिन्दी भाषा',
  'ไทย ภาษา',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕄𝕒𝕥𝕙 𝟙𝟚𝟛',
  'ǅ ǈ ǋ ﬁ ﬂ ß ẞ',
  '½ ¾ ⅷ ٣ ۴ ൬ 𝟘',
  '\u00a0non-breaking\u00a0spaces\u2009thin\u3000ideographic',
  'zero\u200bwidth\u200cjoiners\u200d',
  '\u2028line separator\u2029paragraph',
];

const EMOJI = [
  '😀',
  '😀😃😄😁',
  'I ❤️ GPT-2 🚀✨',
  '👍🏽 👍🏿',
  '👨‍👩‍👧‍👦 family',
  '🏳️‍🌈 🏴‍☠️',
  '🇵🇱🇫🇷🇯🇵',
  '🇺🇸 flag and text',
  ' 🤖',
  '🧑🏾‍💻 coder',
  '©®™ ☃ ☕',
];

const WHITESPACE = [
  ...Array.from({ length: 20 }, (_, i) => ' '.repeat(i + 1)),
  ...Array.from({ length: 20 }, (_, i) => `a${' '.repeat(i + 1)}b`),
  ...Array.from({ length: 8 }, (_, i) => `${' '.repeat(i + 1)}word`),
  ...Array.from({ length: 8 }, (_, i) => `word${' '.repeat(i + 1)}`),
  '\n',
  '\n\n',
  '\n\n\n',
  '\n\n\n\n\n\n',
  ' \n ',
  'a \n b',
  'a\n\n\nb',
  '\t',
  '\t\t',
  'a\tb',
  '\tindented',
  ' \t \n\t ',
  '\r\n',
  'line1\r\nline2\r\n',
  'trailing   \n',
  '\x0b\x0c',
  '',
];

const CONTRACTIONS = [
  "don't",
  "I'M",
  "I'm",
  "they'll",
  "we've",
  "'s",
  "'S",
  "it's John's",
  "you'd we're",
  "DON'T WON'T",
  "rock 'n' roll",
  "'''",
  "O'Neill's",
  'l\u2019homme don\u2019t',
];

const DIGITS_PUNCT = [
  '0',
  '1234567890',
  '3.14159265358979',
  '1,000,000',
  '2024-05-17T12:34:56Z',
  '+1 (555) 010-9999',
  '$100.00 €50 £20 ¥1000',
  '100%',
  '!!!',
  '?!?!',
  '...',
  '…',
  '—–-',
  '«quotes» “curly” ‘single’',
  '@#$%^&*()_+-=[]{}|;:",.<>/?`~',
  '###### heading',
  '---',
  '* * *',
];

const CODE = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'def foo(x):\n    return x ** 2\n',
  'for (let i = 0; i < n; i++) { sum += arr[i]; }',
  '#include <stdio.h>\nint main(void) { printf("hi\\n"); }',
  'SELECT * FROM users WHERE id = 42;',
  '<div class="x">Hello</div>',
  '{"key": [1, 2, 3], "nested": {"a": null}}',
  'https://example.com/path?q=1&r=two#frag',
  'x => x.map((y) => y * 2)',
  '    \tmixed indent',
];

describe('buildGpt2TokenizerJson', () => {
  it('has the Hub gpt2 tokenizer.json structure', () => {
    const j = json as Record<string, unknown> & { model: Record<string, unknown> };
    expect(j.normalizer).toBeNull();
    expect(j.pre_tokenizer).toEqual({
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    });
    expect((j.post_processor as { type: string }).type).toBe('ByteLevel');
    expect((j.decoder as { type: string }).type).toBe('ByteLevel');
    expect(j.added_tokens).toEqual([
      expect.objectContaining({ id: 50256, content: '<|endoftext|>', special: true }),
    ]);
    expect(j.model).toMatchObject({
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
    });
    expect(Object.keys(j.model.vocab as object)).toHaveLength(50257);
    const merges = j.model.merges as string[];
    expect(merges).toHaveLength(50000);
    expect(merges[0]).toBe('Ġ t');
  });

  it('parses vocab.bpe, skipping the version line and empty lines', () => {
    expect(parseMerges('#version: 0.2\nĠ t\r\n\nh e\n')).toEqual(['Ġ t', 'h e']);
    expect(() => parseMerges('#version: 0.2\nnospace\n')).toThrow(/malformed/);
  });

  it('rejects an encoder without <|endoftext|> = 50256', () => {
    expect(() => buildGpt2TokenizerJson({ a: 0 }, '#version: 0.2\n')).toThrow(/50256/);
  });
});

describe('TextTokenizer.encode matches r50k_base (gpt-tokenizer)', () => {
  it('vocabSize is 50257', () => {
    expect(tok.vocabSize).toBe(50257);
  });

  it('known ids', () => {
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.encode(' Warsaw')).toEqual([32955]);
    expect(tok.encode('')).toEqual([]);
  });

  it.each([
    ['paper prompts', PAPER_PROMPTS],
    ['unicode', UNICODE],
    ['emoji', EMOJI],
    ['whitespace', WHITESPACE],
    ['contractions', CONTRACTIONS],
    ['digits and punctuation', DIGITS_PUNCT],
    ['code', CODE],
  ])('%s', (_name, texts) => {
    expect(mismatches(texts)).toEqual([]);
  });

  it('400 seeded random mixtures', () => {
    const pieces = [
      ...PAPER_PROMPTS.flatMap((p) => p.split(' ')),
      ...UNICODE.flatMap((p) => p.split(' ')),
      ...EMOJI,
      ...CONTRACTIONS,
      ...DIGITS_PUNCT,
      ...CODE.flatMap((p) => p.split(/(\s+)/)),
      ' ',
      '  ',
      '   ',
      '\n',
      '\n\n',
      '\t',
      '\r\n',
      '\u00a0',
      '\u3000',
      "'",
      "'s",
      "'ll",
      "'RE",
    ];
    const rand = seededRandom(20240517);
    const texts: string[] = [];
    for (let i = 0; i < 400; i++) {
      const n = 1 + Math.floor(rand() * 12);
      let text = '';
      for (let k = 0; k < n; k++) text += pieces[Math.floor(rand() * pieces.length)];
      texts.push(text);
    }
    expect(mismatches(texts)).toEqual([]);
  });

  it('200 seeded random code-point strings', () => {
    const rand = seededRandom(7);
    const texts: string[] = [];
    for (let i = 0; i < 200; i++) {
      let text = '';
      const n = 1 + Math.floor(rand() * 16);
      for (let k = 0; k < n; k++) {
        const r = rand();
        let cp =
          r < 0.5
            ? 0x20 + Math.floor(rand() * 0x5f)
            : r < 0.9
              ? Math.floor(rand() * 0x10000)
              : 0x10000 + Math.floor(rand() * 0x30000);
        // Lone surrogates are not text; U+0085 and U+FEFF are checked against encoder.py below.
        if ((cp >= 0xd800 && cp < 0xe000) || cp === 0x85 || cp === 0xfeff) cp = 0x20;
        text += String.fromCodePoint(cp);
      }
      texts.push(text);
    }
    expect(mismatches(texts)).toEqual([]);
  });
});

describe('TextTokenizer.encode edge cases', () => {
  it('splits on Unicode White_Space like GPT-2 (U+0085 is space, U+FEFF is not)', () => {
    // Expected ids from OpenAI's encoder.py (Python `regex`); gpt-tokenizer and tokenizers.js's stock
    // ByteLevel pattern use JavaScript's \s and get the first three wrong.
    const cases: [string, number[]][] = [
      [' \ufeffa', [27332, 119, 123, 64]],
      ['1  \ufeff1', [16, 220, 27332, 119, 123, 16]],
      ['!  \u0085x', [0, 220, 220, 126, 227, 87]],
      ['\ufeffHello, world', [171, 119, 123, 15496, 11, 995]],
      ['line\u0085next', [1370, 126, 227, 19545]],
    ];
    for (const [text, ids] of cases) expect(tok.encode(text), JSON.stringify(text)).toEqual(ids);
  });

  it('maps a literal <|endoftext|> to the special token, as transformers does', () => {
    expect(tok.encode('a<|endoftext|>b')).toEqual([64, 50256, 65]);
    expect(tok.encode('<|endoftext|>')).toEqual([50256]);
  });
});

describe('tokenText / idOf', () => {
  it('keeps the real leading space', () => {
    const [id] = tok.encode(' Warsaw');
    expect(tok.tokenText(id!)).toBe(' Warsaw');
    expect(tok.tokenText(id!).charCodeAt(0)).toBe(0x20);
    expect(tok.tokenText(198)).toBe('\n');
  });

  it('renders partial UTF-8 sequences as <0xNN> bytes', () => {
    expect(tok.encode('😀')).toEqual([47249, 222]);
    expect(tok.tokenText(47249)).toBe('<0xF0><0x9F><0x98>');
    expect(tok.tokenText(222)).toBe('<0x80>');
    // All-or-nothing: a space glued to a partial character is shown as bytes too.
    expect(tok.encode(' 東')[0]).toBe(10545);
    expect(tok.tokenText(10545)).toBe('<0x20><0xE6>');
  });

  it('renders the special token as its text', () => {
    expect(tok.tokenText(50256)).toBe('<|endoftext|>');
    expect(tok.idOf('<|endoftext|>')).toBe(50256);
  });

  it('concatenated token texts reproduce UTF-8-clean tokenizations', () => {
    for (const text of [...PAPER_PROMPTS, ...CODE, 'café crème']) {
      expect(
        tok
          .encode(text)
          .map((id) => tok.tokenText(id))
          .join(''),
      ).toBe(text);
    }
  });

  it('idOf inverts tokenText for every id', () => {
    for (let id = 0; id < tok.vocabSize; id++) {
      if (tok.idOf(tok.tokenText(id)) !== id) throw new Error(`idOf(tokenText(${id})) !== ${id}`);
    }
    expect(tok.idOf(' Paris')).toBe(tok.encode(' Paris')[0]);
    expect(tok.idOf(' Warsaw')).toBe(32955);
    expect(tok.idOf('<0xF0><0x9F><0x98>')).toBe(47249);
    expect(tok.idOf('not one single token')).toBeUndefined();
    expect(tok.idOf('')).toBeUndefined();
  });

  it('throws TokenizerError outside the vocabulary', () => {
    for (const id of [-1, 50257, 1.5, Number.NaN]) expect(() => tok.tokenText(id)).toThrow(TokenizerError);
  });
});

describe('visibleToken', () => {
  it('marks edge spaces, newlines, tabs and control characters', () => {
    expect(visibleToken(' Warsaw')).toBe('␣Warsaw');
    expect(visibleToken('a b')).toBe('a b');
    expect(visibleToken('  x  ')).toBe('␣␣x␣␣');
    expect(visibleToken('   ')).toBe('␣␣␣');
    expect(visibleToken('\n')).toBe('↵');
    expect(visibleToken(' \n\n')).toBe('␣↵↵');
    expect(visibleToken('\tx')).toBe('⇥x');
    expect(visibleToken('\x00\r\x7f')).toBe('<0x00><0x0D><0x7F>');
    expect(visibleToken('\u0085')).toBe('<0xC2><0x85>');
    expect(visibleToken('<0xF0>')).toBe('<0xF0>');
    expect(visibleToken('')).toBe('');
  });
});

describe('TextTokenizer.fromJson', () => {
  const good = json as { model: Record<string, unknown> };
  it.each([
    ['null', null],
    ['a number', 42],
    ['a string', 'tokenizer'],
    ['an array', []],
    ['an empty object', {}],
    ['no model', { pre_tokenizer: { type: 'ByteLevel' } }],
    ['a WordPiece model', { ...good, model: { ...good.model, type: 'WordPiece' } }],
    ['an empty vocabulary', { ...good, model: { ...good.model, vocab: {} } }],
    ['no merges', { ...good, model: { ...good.model, merges: undefined } }],
    ['a non-byte-level pre-tokenizer', { ...good, pre_tokenizer: { type: 'Whitespace' } }],
    ['non-contiguous ids', { ...good, model: { ...good.model, vocab: { a: 0, b: 5 }, merges: [] } }],
  ])('rejects %s', (_name, value) => {
    expect(() => TextTokenizer.fromJson(value)).toThrow(TokenizerError);
  });
});
