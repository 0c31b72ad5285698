/**
 * Exact GPT-2 (byte-level BPE) tokenization on top of @huggingface/tokenizers, plus the token ⇄ text
 * mapping the logit lens needs: token texts are the UTF-8 decoding of each token's bytes.
 */

import {
  ByteLevelPreTokenizer,
  type PreTokenizer,
  SequencePreTokenizer,
  Tokenizer,
} from '@huggingface/tokenizers';
import { CodedError } from '../errors.ts';

/**
 * GPT-2's split regex with `\s` spelled as Unicode White_Space. That is what `\s` means in the Python
 * `regex` module (OpenAI's encoder.py), Rust tiktoken and Oniguruma (HF tokenizers), whereas JavaScript's
 * `\s` also matches U+FEFF and misses U+0085 — so tokenizers.js's built-in ByteLevel pattern mis-splits
 * text containing either character.
 */
const BYTE_LEVEL_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;

function applyExactByteLevelSplit(pre: PreTokenizer | null): void {
  if (pre instanceof ByteLevelPreTokenizer) pre.pattern = BYTE_LEVEL_SPLIT;
  else if (pre instanceof SequencePreTokenizer) pre.tokenizers.forEach(applyExactByteLevelSplit);
}

export class TokenizerError extends CodedError<'bad-tokenizer'> {
  override name = 'TokenizerError';
  constructor(message: string) {
    super(message, 'bad-tokenizer');
  }
}

/** GPT-2's bytes_to_unicode() inverted: the printable stand-in character for each byte → that byte. */
const BYTE_OF_CHAR: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  const isPrintable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    map.set(String.fromCodePoint(isPrintable(b) ? b : next++), b);
  }
  return map;
})();

// fatal: a token that is only part of a multi-byte character must be detected, not turned into U+FFFD.
// ignoreBOM: a token holding U+FEFF must keep it.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const hexByte = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

function bytesToText(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return Array.from(bytes, hexByte).join('');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** tokenText relies on the vocabulary being byte-level encoded, which a ByteLevel pre-tokenizer implies. */
function hasByteLevelPreTokenizer(pre: unknown): boolean {
  if (!isRecord(pre)) return false;
  if (pre.type === 'ByteLevel') return true;
  return pre.type === 'Sequence' && Array.isArray(pre.pretokenizers)
    ? pre.pretokenizers.some(hasByteLevelPreTokenizer)
    : false;
}

/**
 * SentencePiece-style BPE as tokenizer.json writes it (Llama 2, TinyLlama, Mistral): '▁' marks a
 * space, and byte-fallback tokens <0xNN> stand for single bytes.
 */
function isSentencePieceBpe(json: Record<string, unknown>): boolean {
  const model = json.model as Record<string, unknown>;
  const pre = json.pre_tokenizer as Record<string, unknown> | null | undefined;
  const metaspace = (p: unknown): boolean =>
    isRecord(p) &&
    (p.type === 'Metaspace' ||
      (p.type === 'Sequence' && Array.isArray(p.pretokenizers) && p.pretokenizers.some(metaspace)));
  return (
    model.byte_fallback === true ||
    metaspace(pre) ||
    JSON.stringify(json.normalizer ?? null).includes('\u2581')
  );
}

type VocabularyStyle = 'byte-level' | 'sentencepiece';

function validateJson(json: unknown): VocabularyStyle {
  if (!isRecord(json)) throw new TokenizerError('tokenizer.json must be a JSON object');
  const model = json.model;
  if (!isRecord(model)) throw new TokenizerError('tokenizer.json has no "model" object');
  if (model.type !== undefined && model.type !== 'BPE') {
    throw new TokenizerError(`unsupported tokenizer model type ${JSON.stringify(model.type)} (expected BPE)`);
  }
  if (!isRecord(model.vocab) || Object.keys(model.vocab).length === 0) {
    throw new TokenizerError('tokenizer.json model has no vocabulary');
  }
  if (!Array.isArray(model.merges)) throw new TokenizerError('tokenizer.json model has no merges list');
  if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) {
    throw new TokenizerError('tokenizer.json "added_tokens" must be a list');
  }
  if (hasByteLevelPreTokenizer(json.pre_tokenizer)) return 'byte-level';
  if (isSentencePieceBpe(json)) return 'sentencepiece';
  throw new TokenizerError(
    'only byte-level BPE (GPT-2, Llama 3, Qwen2, GPT-NeoX) and SentencePiece-style BPE (Llama 2, Mistral) tokenizers are supported',
  );
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

export class TextTokenizer {
  readonly vocabSize: number;
  private readonly hf: Tokenizer;
  /** id → raw vocabulary string (byte-level alphabet, or the literal text of an added token). */
  private readonly rawTokens: string[];
  private readonly addedIds: ReadonlySet<number>;
  private texts: string[] | null = null;
  private idsByText: Map<string, number> | null = null;

  private constructor(
    hf: Tokenizer,
    private readonly addSpecialTokens: boolean,
    private readonly style: VocabularyStyle,
  ) {
    applyExactByteLevelSplit(hf.pre_tokenizer);
    this.hf = hf;
    const vocab = hf.get_vocab(true);
    const raw: string[] = new Array(vocab.size);
    for (const [token, id] of vocab) raw[id] = token;
    for (let id = 0; id < raw.length; id++) {
      if (raw[id] === undefined)
        throw new TokenizerError(`vocabulary ids are not contiguous: no token ${id}`);
    }
    this.rawTokens = raw;
    this.vocabSize = raw.length;
    this.addedIds = new Set(hf.get_added_tokens_decoder().keys());
  }

  /**
   * `addSpecialTokens`: encode() adds what the post-processor says (Llama 3's <|begin_of_text|>);
   * off for GPT-2, whose ids have never carried any.
   */
  static fromJson(tokenizerJson: unknown, options: { addSpecialTokens?: boolean } = {}): TextTokenizer {
    const style = validateJson(tokenizerJson);
    let hf: Tokenizer;
    try {
      // The second argument is tokenizer_config.json; nothing in it matters for GPT-2.
      hf = new Tokenizer(tokenizerJson as object, {});
    } catch (err) {
      throw new TokenizerError(`invalid tokenizer.json: ${err instanceof Error ? err.message : String(err)}`);
    }
    return new TextTokenizer(hf, options.addSpecialTokens ?? false, style);
  }

  /**
   * GPT-2 ids without BOS/EOS (GPT-2 adds none anyway); other families' as their post-processor
   * adds them. As in transformers, a literal "<|endoftext|>" in the text becomes the special token.
   */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const addSpecial = options.addSpecialTokens ?? this.addSpecialTokens;
    const { ids } = this.hf.encode(text, { add_special_tokens: addSpecial });
    for (const id of ids) {
      // Cannot happen with a byte-level vocabulary (every byte has a token); guards a broken JSON.
      if (typeof id !== 'number') throw new TokenizerError(`text not representable in vocabulary: ${text}`);
    }
    return ids;
  }

  /** The token as text, e.g. " Warsaw"; "<0xF0><0x9F>" for bytes that are not UTF-8 on their own. */
  tokenText(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new TokenizerError(`token id ${id} outside the vocabulary (0..${this.vocabSize - 1})`);
    }
    return this.allTexts()[id]!;
  }

  /** Inverse of tokenText for a single token; undefined if that text is not exactly one token. */
  idOf(tokenText: string): number | undefined {
    if (this.idsByText === null) {
      const map = new Map<string, number>();
      this.allTexts().forEach((text, id) => {
        // First id wins should two tokens ever render alike (GPT-2 has none).
        if (!map.has(text)) map.set(text, id);
      });
      this.idsByText = map;
    }
    return this.idsByText.get(tokenText);
  }

  private allTexts(): string[] {
    if (this.texts === null) {
      this.texts = this.rawTokens.map((raw, id) => (this.addedIds.has(id) ? raw : this.decodeRaw(raw, id)));
    }
    return this.texts;
  }

  private decodeRaw(raw: string, id: number): string {
    if (this.style === 'sentencepiece') {
      const byte = BYTE_TOKEN.exec(raw);
      return byte ? bytesToText(Uint8Array.of(Number.parseInt(byte[1]!, 16))) : raw.replaceAll('\u2581', ' ');
    }
    const bytes = new Uint8Array(raw.length);
    let n = 0;
    for (const ch of raw) {
      const b = BYTE_OF_CHAR.get(ch);
      if (b === undefined) throw new TokenizerError(`token ${id} (${JSON.stringify(raw)}) is not byte-level`);
      bytes[n++] = b;
    }
    return bytesToText(bytes.subarray(0, n));
  }
}

/**
 * Display form of a token text (data stays raw): edge spaces as '␣', newline '↵', tab '⇥',
 * other control characters as their UTF-8 bytes <0xNN>.
 */
export function visibleToken(text: string): string {
  const lead = text.length - text.trimStart().length;
  const trail = lead === text.length ? 0 : text.length - text.trimEnd().length;
  let out = '';
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const atEdge = i < lead || i >= text.length - trail;
    if (ch === ' ' && atEdge) out += '␣';
    else if (ch === '\n') out += '↵';
    else if (ch === '\t') out += '⇥';
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
      out += Array.from(new TextEncoder().encode(ch), hexByte).join('');
    else out += ch;
    i += ch.length;
  }
  return out;
}
