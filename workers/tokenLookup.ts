/** "Which one token is this text?" for the tracked-token fields. Pure: the worker and tests share it. */
import { WorkerError } from './api.ts';
import type { Token } from './engine/types.ts';

export interface TokenizerLike {
  encode(text: string): number[];
  tokenText(id: number): string;
}

/** The single token `text` is; fails with 'empty-token' or 'multi-token' (naming the pieces). */
export function singleToken(tokenizer: TokenizerLike, text: string): Token {
  const ids = tokenizer.encode(text);
  if (ids.length === 0) throw new WorkerError('type a token (the field is empty)', 'empty-token');
  if (ids.length === 1) return { id: ids[0]!, text: tokenizer.tokenText(ids[0]!) };
  const pieces = ids.map((id) => JSON.stringify(tokenizer.tokenText(id))).join(' + ');
  let hint = 'type a single token';
  // the usual slip: "Warsaw" is two tokens, " Warsaw" (as it follows a space) is one
  if (!text.startsWith(' ') && tokenizer.encode(` ${text}`).length === 1)
    hint = `did you mean ${JSON.stringify(` ${text}`)}, with a leading space? It is one token`;
  throw new WorkerError(
    `${JSON.stringify(text)} is ${ids.length} tokens (${pieces}); ${hint}`,
    'multi-token',
  );
}
