/**
 * Lens grids as the views draw them (states x positions), filled in as chunks stream in. Pure: each
 * update returns a new grid and copies only the rows it touches, so React sees the change.
 */
import type { LensResult, StateResult, Token } from '../../workers/engine/types.ts';
import type { LensGrid } from '../domain.ts';

export function emptyGrid(tokens: Token[], nLayer: number): LensGrid {
  const states = 2 * nLayer + 1;
  return {
    tokens,
    nLayer,
    grid: Array.from({ length: states }, () =>
      new Array<StateResult | undefined>(tokens.length).fill(undefined),
    ),
    complete: false,
  };
}

/** `grid` with `states` (one prompt's) placed at [state index][position]; out-of-range ones ignored. */
export function addStates(grid: LensGrid, states: readonly StateResult[]): LensGrid {
  const rows = grid.grid.slice();
  const copied = new Set<number>();
  for (const st of states) {
    const row = rows[st.index];
    if (!row || st.position < 0 || st.position >= grid.tokens.length) continue;
    if (!copied.has(st.index)) {
      rows[st.index] = row.slice();
      copied.add(st.index);
    }
    rows[st.index]![st.position] = st;
  }
  const complete = rows.every((row) => row.every((cell) => cell !== undefined));
  return { ...grid, grid: rows, complete };
}

/** The whole grid of a finished run (prompt 0); with positions 'last' only the last column is filled. */
export function gridFromResult(result: LensResult, nLayer: number): LensGrid {
  const prompt = result.prompts[0];
  if (!prompt) return emptyGrid([], nLayer);
  const states = prompt.byPosition ? prompt.byPosition.flat() : prompt.states;
  return addStates(emptyGrid(prompt.tokens, nLayer), states);
}

/** Count of arrived cells, for progress and tests. */
export function arrivedCells(grid: LensGrid): number {
  let n = 0;
  for (const row of grid.grid) for (const cell of row) if (cell) n++;
  return n;
}
