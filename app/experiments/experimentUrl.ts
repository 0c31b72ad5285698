/**
 * The experiment's settings in the URL's query string (the hash is the workspace's state, see
 * app/url): `?page=experiments&exp=ovector&data=builtin:a,builtin:b&limit=8&blocks=2-3...`. Only
 * what differs from the defaults is written; unknown or malformed values fall back to the default,
 * each named in the problems list.
 */
import type { ExperimentKind } from '../../workers/api.ts';
import {
  type AppPage,
  DEFAULT_DATASETS,
  DEFAULT_EXPERIMENT_SETTINGS,
  type ExperimentSettings,
} from './experimentSettings.ts';

/** The query keys this module owns (others, e.g. ?backend=, are left alone). */
export const EXPERIMENT_PARAMS = [
  'page',
  'exp',
  'data',
  'limit',
  'vector',
  'blocks',
  'sublayer',
  'mode',
  'scale',
  'positions',
  'steps',
  'sample',
  'batch',
] as const;

const KINDS: readonly ExperimentKind[] = ['stages', 'ovector', 'ablate', 'sweep'];
const PAGES: readonly AppPage[] = ['workspace', 'experiments', 'reproduce'];

export interface ExperimentLink {
  page: AppPage;
  settings: ExperimentSettings;
  problems: string[];
}

export function readExperimentParams(search: string): ExperimentLink | undefined {
  const params = new URLSearchParams(search);
  if (!EXPERIMENT_PARAMS.some((key) => params.has(key))) return undefined;
  const problems: string[] = [];
  const pick = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = params.get(key);
    if (value === null) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${key}=${value}: expected one of ${allowed.join(', ')}`);
    return fallback;
  };
  const number = (key: string, ok: (n: number) => boolean): number | undefined => {
    const value = params.get(key);
    if (value === null) return undefined;
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n) && ok(n)) return n;
    problems.push(`${key}=${value}: not a valid number here`);
    return undefined;
  };
  const experiment = pick('exp', KINDS, 'stages');
  const data = params.get('data');
  const datasets = data
    ? data.split(',').filter((ref) => {
        if (/^(builtin|upload):./.test(ref)) return true;
        problems.push(`data: ${JSON.stringify(ref)} is neither builtin:NAME nor upload:FILE`);
        return false;
      })
    : [];
  const d = DEFAULT_EXPERIMENT_SETTINGS;
  const settings: ExperimentSettings = {
    experiment,
    datasets: datasets.length ? datasets : DEFAULT_DATASETS[experiment],
    sublayer: pick('sublayer', ['ffn', 'attn'] as const, d.sublayer),
    mode: pick('mode', ['replace', 'add'] as const, d.mode),
    scale: number('scale', () => true) ?? d.scale,
    positions: pick('positions', ['all', 'last'] as const, d.positions),
    steps: number('steps', (n) => Number.isInteger(n) && n >= 1 && n <= 48) ?? d.steps,
  };
  const limit = number('limit', (n) => Number.isInteger(n) && n >= 1);
  if (limit !== undefined) settings.limit = limit;
  const sample = number('sample', (n) => Number.isInteger(n) && n >= 1);
  if (sample !== undefined) settings.sample = sample;
  const batch = number('batch', (n) => Number.isInteger(n) && n >= 1 && n <= 256);
  if (batch !== undefined) settings.batch = batch;
  const vector = params.get('vector');
  if (vector) settings.vector = vector;
  const blocks = params.get('blocks');
  if (blocks) {
    if (/^\d+(-\d+)?$/.test(blocks)) settings.blocks = blocks;
    else problems.push(`blocks=${blocks}: expected A-B`);
  }
  return { page: pick('page', PAGES, 'experiments'), settings, problems };
}

/** `search` with this module's keys replaced by `page` and `settings` (none on the workspace). */
export function writeExperimentParams(search: string, page: AppPage, settings: ExperimentSettings): string {
  const params = new URLSearchParams(search);
  for (const key of EXPERIMENT_PARAMS) params.delete(key);
  if (page !== 'workspace') {
    const d = DEFAULT_EXPERIMENT_SETTINGS;
    params.set('page', page);
    params.set('exp', settings.experiment);
    if (settings.datasets.join(',') !== DEFAULT_DATASETS[settings.experiment].join(','))
      params.set('data', settings.datasets.join(','));
    if (settings.limit !== undefined) params.set('limit', String(settings.limit));
    if (settings.vector) params.set('vector', settings.vector);
    if (settings.blocks) params.set('blocks', settings.blocks);
    if (settings.sublayer !== d.sublayer) params.set('sublayer', settings.sublayer);
    if (settings.mode !== d.mode) params.set('mode', settings.mode);
    if (settings.scale !== d.scale) params.set('scale', String(settings.scale));
    if (settings.positions !== d.positions) params.set('positions', settings.positions);
    if (settings.steps !== d.steps) params.set('steps', String(settings.steps));
    if (settings.sample !== undefined) params.set('sample', String(settings.sample));
    if (settings.batch !== undefined) params.set('batch', String(settings.batch));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
