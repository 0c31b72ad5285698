/** Static rendering of the library and the slots (react-dom/server in Node): structure, not behaviour. */
import { createElement as h, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { InterventionDndProvider } from '../app/components/InterventionDnd.tsx';
import { LayerSlots, type LayerSlotsProps } from '../app/components/LayerSlots.tsx';
import {
  sizeMismatch,
  VectorLibrary,
  type VectorLibraryProps,
  vectorSource,
} from '../app/components/VectorLibrary.tsx';
import type { Interventions, VectorEntry } from '../app/domain.ts';

const noop = (): void => {};

const city: VectorEntry = {
  id: 'v1',
  name: 'o_city',
  recipe: {
    model: { source: 'hub', repo: 'openai-community/gpt2-medium', revision: 'main' },
    prompt: 'Q: What is the capital of Poland?\nA: Warsaw\nQ: What is the capital of China?\nA:',
    block: 19,
    kind: 'ffn',
  },
  data: new Float32Array(1024),
  norm: 12.3456,
  promotes: [
    { id: 1, token: ' Beijing', prob: 0.4 },
    { id: 2, token: '<script>alert(1)</script>', prob: 0.2 },
    { id: 3, token: ' Tokyo', prob: 0.1 },
    { id: 4, token: '\n', prob: 0.05 },
    { id: 5, token: ' Seoul', prob: 0.04 },
    { id: 6, token: ' sixth', prob: 0.01 },
  ],
  createdAt: 1,
};

const gptj: VectorEntry = {
  id: 'v2',
  name: 'city_capital_o13_gptj',
  importedFrom: 'city_capital_o13_gptj.npy',
  data: new Float32Array(4096),
  norm: 3,
  promotes: [],
  createdAt: 2,
};

function library(props: Partial<VectorLibraryProps> = {}): string {
  const all: VectorLibraryProps = {
    vectors: [city, gptj],
    dModel: 1024,
    modelName: 'gpt2-medium',
    onRename: noop,
    onDelete: noop,
    onImport: noop,
    onExport: noop,
    onExportAll: noop,
    onPick: noop,
    ...props,
  };
  return render(h(VectorLibrary, all));
}

function slots(props: Partial<LayerSlotsProps> = {}): string {
  const interventions: Interventions = {
    scope: 'all',
    slots: [
      { block: 18, kind: 'ffn', mode: 'replace', vectorId: 'v1' },
      { block: 19, kind: 'ffn', mode: 'add', vectorId: 'v1', scale: 2 },
      { block: 20, kind: 'ffn', mode: 'zero' },
      { block: 18, kind: 'attn', mode: 'zero' },
    ],
  };
  const all: LayerSlotsProps = {
    nLayer: 24,
    vectors: [city, gptj],
    interventions,
    kind: 'ffn',
    onKindChange: noop,
    onScopeChange: noop,
    onAssign: noop,
    onUpdateSlot: noop,
    onClear: noop,
    onPick: noop,
    ...props,
  };
  return render(h(LayerSlots, all));
}

function render(child: ReactElement): string {
  return renderToStaticMarkup(
    h(InterventionDndProvider, { kind: 'ffn', vectors: [city], onAssign: noop }, child),
  );
}

/** How many elements carry this data-testid. */
function count(html: string, testId: string): number {
  return html.split(`data-testid="${testId}"`).length - 1;
}

describe('VectorLibrary', () => {
  it('renders a chip per vector with name, source, norm and five promoted tokens', () => {
    const html = library();
    expect(count(html, 'vector-chip')).toBe(2);
    expect(html).toContain('data-vector-id="v1"');
    expect(count(html, 'vector-name')).toBe(2);
    expect(html).toContain('‖v‖ 12.35');
    expect(html).toContain(
      'openai-community/gpt2-medium · block 19 FFN · “Q: What is the capital of Poland? A: War…”',
    );
    expect(html).toContain('imported from city_capital_o13_gptj.npy');
    expect(html).toContain('␣Beijing');
    expect(html).toContain('↵');
    expect(html).toContain('␣Seoul');
    expect(html).not.toContain('sixth');
    expect(count(html, 'vector-import')).toBe(1);
    expect(html).toMatch(/type="file" data-testid="vector-import" accept=".npy,.json" multiple=""/);
  });

  it('escapes token text: tokens are data', () => {
    const html = library();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('greys out a vector of another size, with the reason, and does not make it draggable', () => {
    const html = library();
    const gptjChip = html.slice(html.indexOf('data-vector-id="v2"'));
    expect(html).toContain('data-mismatch="true"');
    expect(count(html, 'vector-mismatch')).toBe(1);
    expect(gptjChip).toContain('size mismatch: 4096 values, gpt2-medium needs 1024');
    expect(count(html, 'vector-drag-handle')).toBe(1);
    expect(html.slice(0, html.indexOf('data-vector-id="v2"'))).toContain('data-testid="vector-drag-handle"');
    expect(sizeMismatch(gptj, 1024, undefined)).toBe(
      'size mismatch: 4096 values, the loaded model needs 1024',
    );
    expect(sizeMismatch(gptj, undefined, undefined)).toBeUndefined();
    expect(sizeMismatch(city, 1024, 'm')).toBeUndefined();
  });

  it('without a model nothing is draggable or pickable, and nothing is called a mismatch', () => {
    const html = library({ dModel: undefined, modelName: undefined });
    expect(count(html, 'vector-drag-handle')).toBe(0);
    expect(count(html, 'vector-mismatch')).toBe(0);
    expect(html.match(/data-testid="vector-pick" aria-pressed="false" disabled=""/g)).toHaveLength(2);
  });

  it('shows the picked state, the import error and the empty state', () => {
    const picked = library({ pickedVectorId: 'v1', importError: 'o_city.npy: <bad> file' });
    expect(picked).toContain('aria-pressed="true"');
    expect(picked).toContain('Picked o_city: press Enter on a layer slot');
    expect(picked).toMatch(/role="alert" data-testid="vector-import-error">o_city.npy: &lt;bad&gt; file</);
    const empty = library({ vectors: [] });
    expect(count(empty, 'vector-empty')).toBe(1);
    expect(empty).toMatch(/data-testid="vector-export-all" disabled=""/);
  });

  it('vectorSource', () => {
    expect(vectorSource({ recipe: { ...city.recipe!, model: { source: 'builtin' }, prompt: 'short' } })).toBe(
      'built-in · block 19 FFN · “short”',
    );
    const rev = 'a'.repeat(40);
    expect(
      vectorSource({
        recipe: { ...city.recipe!, kind: 'attn', model: { source: 'hub', repo: 'r', revision: rev } },
      }),
    ).toMatch(/^r@aaaaaaa · block 19 attn · /);
    expect(vectorSource({})).toBe('');
  });
});

describe('LayerSlots', () => {
  it('renders one slot per block with the paper range preset, and the scope and kind toggles', () => {
    const html = slots();
    for (let b = 0; b < 24; b++) expect(count(html, `layer-slot-${b}`), `block ${b}`).toBe(1);
    expect(count(html, 'layer-slot-24')).toBe(0);
    for (const id of [
      'scope-all',
      'scope-last',
      'kind-ffn',
      'kind-attn',
      'apply-range',
      'apply-range-button',
    ]) {
      expect(count(html, id), id).toBe(1);
    }
    expect(html).toMatch(/data-testid="range-from"[^>]*value="18"/);
    expect(html).toMatch(/data-testid="range-to"[^>]*value="23"/);
    expect(html).toMatch(/data-testid="scope-all"[^>]*checked=""/);
    // nothing picked: the replace form cannot apply
    expect(html).toMatch(/data-testid="apply-range-button" disabled=""/);
  });

  it('shows assigned slots with name, mode and scale controls', () => {
    const html = slots();
    expect(html).toMatch(
      /data-testid="layer-slot-18" data-block="18" data-mode="replace" data-vector-id="v1"/,
    );
    expect(html).toContain('aria-label="FFN block 18: replace with o_city"');
    expect(html).toContain('aria-label="FFN block 19: add o_city ×2"');
    expect(html).toMatch(/data-testid="slot-scale-19"[^>]*value="2"/);
    expect(html).toMatch(/data-testid="slot-scale-18"[^>]*disabled=""/);
    expect(html).toContain('data-testid="slot-mode-20"');
    expect(html).toContain('zeroed');
    expect(count(html, 'slot-clear-18')).toBe(1);
    expect(count(html, 'slot-clear-5')).toBe(0);
    expect(count(html, 'slot-mode-5')).toBe(0);
    // the attention slot on 18 is hinted on the FFN view
    expect(html).toContain('+attn');
  });

  it('the attention view shows attention slots; the range form lists only vectors of the right size', () => {
    const html = slots({ kind: 'attn', dModel: 1024, pickedVectorId: 'v1' });
    expect(html).toContain('aria-label="attention block 18: zero; press Enter to assign o_city"');
    expect(html).toMatch(/data-testid="kind-attn"[^>]*checked=""/);
    expect(html).toContain('<option value="v1" selected="">o_city</option>');
    expect(html).not.toContain('<option value="v2"');
    expect(html).not.toMatch(/data-testid="apply-range-button" disabled/);
  });

  it('fits small and large models', () => {
    const small = slots({ nLayer: 12 });
    expect(count(small, 'layer-slot-11')).toBe(1);
    expect(count(small, 'layer-slot-12')).toBe(0);
    expect(small).toMatch(/data-testid="range-from"[^>]*value="9"/);
    expect(count(slots({ nLayer: 0 }), 'layer-slot-0')).toBe(0);
  });
});
