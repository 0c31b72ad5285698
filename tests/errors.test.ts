/** The one error vocabulary (models/errors.ts): every error class carries a code from it. */
import { describe, expect, it } from 'vitest';
import { Base64Error } from '../app/url/vectorData.ts';
import { VectorFileError } from '../app/vectors/vectorFiles.ts';
import { CliError } from '../cli/modelDir.ts';
import { CodedError, errorCodeOf, isErrorCode, isLoadErrorCode } from '../models/errors.ts';
import { MissingBytesError } from '../models/fileBytes.ts';
import { ModelConfigError } from '../models/gpt2/config.ts';
import { DownloadError } from '../models/hub/transfer.ts';
import { NpyError } from '../models/npy.ts';
import { SafetensorsError } from '../models/safetensors.ts';
import { TokenizerError } from '../models/tokenizer/tokenizer.ts';
import { toWorkerErrorPayload, WorkerError } from '../workers/api.ts';
import { EngineError } from '../workers/engine/types.ts';
import { loadError } from '../workers/loader/loadErrors.ts';

describe('one error vocabulary', () => {
  it('every error class carries its code and keeps its name', () => {
    const cases: Array<[Error, string, string]> = [
      [new EngineError('x', 'prompt-too-long'), 'prompt-too-long', 'EngineError'],
      [new DownloadError('x', 'hash-mismatch', 'model.safetensors'), 'hash-mismatch', 'DownloadError'],
      [new WorkerError('x', 'model-too-large', true), 'model-too-large', 'WorkerError'],
      [new SafetensorsError('x'), 'bad-safetensors', 'SafetensorsError'],
      [new ModelConfigError('x'), 'bad-config', 'ModelConfigError'],
      [new MissingBytesError('x'), 'missing-bytes', 'MissingBytesError'],
      [new TokenizerError('x'), 'bad-tokenizer', 'TokenizerError'],
      [new NpyError('x'), 'bad-npy', 'NpyError'],
      [new VectorFileError('x'), 'bad-vector-file', 'VectorFileError'],
      [new Base64Error('x'), 'bad-base64', 'Base64Error'],
      [new CliError('x'), 'bad-cli-input', 'CliError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(CodedError);
      expect(errorCodeOf(error)).toBe(code);
      expect(error.name).toBe(name);
    }
  });

  it('reads codes back from plain objects (errors that crossed the worker), only known ones', () => {
    const payload = toWorkerErrorPayload(new WorkerError('too big', 'model-too-large', true));
    expect(JSON.parse(JSON.stringify(payload))).toMatchObject({
      code: 'model-too-large',
      keptPrevious: true,
    });
    expect(errorCodeOf({ code: 'out-of-memory' })).toBe('out-of-memory');
    expect(errorCodeOf({ code: 'sca1e' })).toBeUndefined();
    expect(errorCodeOf(new Error('plain'))).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(isErrorCode('worker-crashed')).toBe(true);
    expect(isLoadErrorCode('http')).toBe(true);
    expect(isLoadErrorCode('multi-token')).toBe(false);
  });

  it('a load error is coded from the cause code, whatever class threw it', () => {
    expect(loadError(new SafetensorsError('bad header'), 'files', true, 'm').code).toBe('bad-model');
    expect(loadError(new DownloadError('stop', 'cancelled'), 'files', true, 'm').code).toBe('load-cancelled');
    expect(loadError(new DownloadError('404', 'http'), 'files', false, 'm')).toMatchObject({
      code: 'http',
      keptPrevious: false,
    });
    expect(loadError(new RangeError('Array buffer allocation failed'), 'sessions', true, 'm').code).toBe(
      'out-of-memory',
    );
    expect(loadError(new Error('shader failed'), 'sessions', true, 'm').code).toBe('session-failed');
  });
});
