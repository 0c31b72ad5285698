/**
 * Which stored runs can overlay a stages figure: the same experiment, data set (its hash) and
 * settings, another model. Read from the store's keys (experimentKey's layout:
 * `lenslab-experiment/v1|experiment|model@revision|datasetHash|settingsHash`). Pure.
 */

export interface KeyParts {
  experiment: string;
  /** model@revision */
  model: string;
  datasetHash: string;
  settingsHash: string;
}

export function parseExperimentKey(key: string): KeyParts | undefined {
  const fields = key.split('|');
  if (fields.length !== 5 || fields[0] !== 'lenslab-experiment/v1') return undefined;
  const [, experiment, model, datasetHash, settingsHash] = fields as [string, string, string, string, string];
  return { experiment, model, datasetHash, settingsHash };
}

/** Keys of other models' runs of the same experiment, data set and settings as `key`, by model name. */
export function overlayCandidates(
  key: string,
  keys: readonly string[],
): Array<{ key: string; model: string }> {
  const mine = parseExperimentKey(key);
  if (!mine) return [];
  return keys
    .flatMap((k) => {
      const p = parseExperimentKey(k);
      const same =
        p &&
        p.experiment === mine.experiment &&
        p.datasetHash === mine.datasetHash &&
        p.settingsHash === mine.settingsHash &&
        p.model !== mine.model;
      return same ? [{ key: k, model: p.model }] : [];
    })
    .sort((a, b) => a.model.localeCompare(b.model));
}

/** "gpt2-medium@abc1234def" -> "gpt2-medium @abc1234"; "builtin@builtin" -> "builtin". */
export function modelLabel(model: string): string {
  const at = model.lastIndexOf('@');
  if (at < 0) return model;
  const name = model.slice(0, at);
  const revision = model.slice(at + 1);
  if (revision === name || revision === 'builtin') return name;
  return `${name} @${revision.slice(0, 7)}`;
}
