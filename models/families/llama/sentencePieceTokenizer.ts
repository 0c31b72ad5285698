/**
 * A small tokenizer.json in the SentencePiece-BPE form Llama 2, TinyLlama and Mistral publish:
 * '▁' for spaces (Prepend + Replace normalizer), 256 byte-fallback tokens <0xNN>, <s> added by a
 * TemplateProcessing post-processor. For fixtures: a few whole words, every character as bytes.
 */
const WORDS = ['▁The', '▁capital', '▁of', '▁Poland', '▁is', '▁Warsaw', '▁city'];

export function sentencePieceTokenizerJson(): { json: unknown; size: number } {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  const add = (token: string): void => {
    if (!(token in vocab)) vocab[token] = Object.keys(vocab).length;
  };
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const merges: string[] = [];
  for (const word of WORDS) {
    const chars = [...word];
    chars.forEach(add);
    let prefix = chars[0]!;
    for (const ch of chars.slice(1)) {
      if (!(prefix + ch in vocab)) merges.push(`${prefix} ${ch}`);
      prefix += ch;
      add(prefix);
    }
  }
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const json = {
    version: '1.0',
    added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges,
    },
  };
  return { json, size: Object.keys(vocab).length };
}
