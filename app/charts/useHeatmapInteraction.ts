/**
 * The heatmap's pointer and keyboard behaviour: the roving cell (one tab stop), hover, and the
 * tooltip (hover, focus or pinned by a click or Enter), placed fixed so the scroll box never clips it.
 */
import {
  type KeyboardEvent,
  type PointerEvent,
  type RefObject,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import {
  type CellPos,
  type CellView,
  cellAt,
  type HeatmapLayout,
  moveCell,
  placeTooltip,
} from './heatmapLayout.ts';

export type TipState = { cell: CellPos; pinned: boolean; source: 'hover' | 'focus' } | null;

export interface HeatmapInteractionInput {
  layout: HeatmapLayout;
  cells: CellView[][];
  nRows: number;
  nCols: number;
  mode: 'svg' | 'canvas';
  initialScroll: 'start' | 'end';
  svgEl: RefObject<SVGSVGElement | null>;
  tipRef: RefObject<HTMLDivElement | null>;
}

export function useHeatmapInteraction(input: HeatmapInteractionInput) {
  const { layout, cells, nRows, nCols, mode, initialScroll, svgEl, tipRef } = input;
  // null until the user moves: then the tab stop is the first cell in view (the last column for 'end')
  const [active, setActive] = useState<CellPos | null>(null);
  const [focused, setFocused] = useState(false);
  const [hover, setHover] = useState<CellPos | null>(null);
  const [tip, setTip] = useState<TipState>(null);
  const focusPending = useRef(false);

  // keep the roving cell inside the grid when rows or tokens change
  const safeActive: CellPos = {
    row: Math.min(active?.row ?? 0, Math.max(0, nRows - 1)),
    col: Math.min(active?.col ?? (initialScroll === 'end' ? nCols - 1 : 0), Math.max(0, nCols - 1)),
  };

  useEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    const sel = mode === 'canvas' ? '[data-cursor]' : `[data-cell="${safeActive.row}:${safeActive.col}"]`;
    const el = svgEl.current?.querySelector<SVGElement>(sel);
    el?.focus();
    // the canvas cursor stays focused while it moves, so focus() alone would not scroll to it
    el?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  });

  // fixed-position tooltip: escapes the scroll container's clipping; follows scrolling while open
  // biome-ignore lint/correctness/useExhaustiveDependencies: cells: re-place when the hovered row streams in
  useLayoutEffect(() => {
    const el = tipRef.current;
    const svg = svgEl.current;
    if (!tip || !el || !svg) return;
    const place = (): void => {
      const r = svg.getBoundingClientRect();
      const anchor = {
        left: r.left + layout.gridX + tip.cell.col * layout.cellWidth,
        top: r.top + layout.gridY + tip.cell.row * layout.rowHeight,
        width: layout.cellWidth,
        height: layout.rowHeight,
      };
      const pos = placeTooltip(
        anchor,
        { width: el.offsetWidth, height: el.offsetHeight },
        { width: window.innerWidth, height: window.innerHeight },
      );
      el.style.left = `${pos.left}px`;
      el.style.top = `${pos.top}px`;
      el.style.visibility = 'visible';
    };
    place();
    window.addEventListener('scroll', place, true);
    window.addEventListener('resize', place);
    return () => {
      window.removeEventListener('scroll', place, true);
      window.removeEventListener('resize', place);
    };
  }, [tip, layout, cells, svgEl, tipRef]);

  // a pinned tooltip closes on a click anywhere outside the grid
  const pinned = tip?.pinned ?? false;
  useEffect(() => {
    if (!pinned) return;
    const onDown = (e: globalThis.PointerEvent): void => {
      if (!svgEl.current?.contains(e.target as Node)) setTip(null);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [pinned, svgEl]);

  const pointToCell = (e: { clientX: number; clientY: number }): CellPos | null => {
    const svg = svgEl.current;
    if (!svg) return null;
    const r = svg.getBoundingClientRect();
    return cellAt(layout, nCols, e.clientX - r.left, e.clientY - r.top);
  };

  const onPointerMove = (e: PointerEvent<SVGSVGElement>): void => {
    const c = pointToCell(e);
    setHover((h) => (h?.row === c?.row && h?.col === c?.col ? h : c));
    if (tip?.pinned) return;
    if (c) setTip({ cell: c, pinned: false, source: 'hover' });
    else if (tip?.source === 'hover') setTip(null);
  };

  const onPointerLeave = (): void => {
    setHover(null);
    if (tip && !tip.pinned && tip.source === 'hover') setTip(null);
  };

  const onClick = (e: { clientX: number; clientY: number }): void => {
    const c = pointToCell(e);
    if (!c) return;
    setActive(c);
    focusPending.current = true;
    const samePinned = tip?.pinned && tip.cell.row === c.row && tip.cell.col === c.col;
    setTip(
      samePinned ? { cell: c, pinned: false, source: 'hover' } : { cell: c, pinned: true, source: 'focus' },
    );
  };

  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>): void => {
    const target = e.target as Element;
    if (!target.hasAttribute('data-cell') && !target.hasAttribute('data-cursor')) return;
    if (e.key === 'Escape') {
      if (tip) {
        setTip(null);
        e.preventDefault();
      }
      return;
    }
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const pinned = !(tip?.pinned ?? false);
      setTip({ cell: safeActive, pinned, source: 'focus' });
      return;
    }
    const next = moveCell(safeActive, e.key, nRows, nCols, e.ctrlKey || e.metaKey);
    if (!next) return;
    e.preventDefault();
    setActive(next);
    focusPending.current = true;
    setTip((t) => (t?.pinned ? { ...t, cell: next } : { cell: next, pinned: false, source: 'focus' }));
  };

  const onCellFocus = (cell: CellPos): void => {
    setFocused(true);
    setActive(cell);
    setTip((t) => (t?.pinned ? t : { cell, pinned: false, source: 'focus' }));
  };

  const onGridBlur = (e: { relatedTarget: EventTarget | null }): void => {
    const to = e.relatedTarget as Node | null;
    if (to && svgEl.current?.contains(to)) return;
    setFocused(false);
    setTip((t) => (t && !t.pinned && t.source === 'focus' ? null : t));
  };

  return {
    safeActive,
    focused,
    hover,
    tip,
    onPointerMove,
    onPointerLeave,
    onClick,
    onKeyDown,
    onCellFocus,
    onGridBlur,
  };
}
