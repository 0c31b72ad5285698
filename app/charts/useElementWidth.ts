/** An element's content width or height, kept current with a ResizeObserver (the fallback before mount and on the server). */
import { type RefObject, useLayoutEffect, useState } from 'react';

/**
 * `target`: a ref whose element exists at mount, or an element held in state (a callback ref), for
 * one that mounts later, so that the observer starts when it appears.
 */
export function useElementSize(
  target: RefObject<HTMLElement | null> | HTMLElement | null,
  dimension: 'width' | 'height',
  fallback: number,
): number {
  const [size, setSize] = useState(fallback);
  useLayoutEffect(() => {
    const el = target instanceof HTMLElement || target === null ? target : target.current;
    if (!el) return;
    // measured before paint, so the first frame already has the right size
    setSize((dimension === 'width' ? el.clientWidth : el.clientHeight) || fallback);
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver((entries) => {
      const v = entries[0]?.contentRect[dimension];
      if (v && v > 0) setSize(Math.floor(v));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [target, dimension, fallback]);
  return size;
}

export function useElementWidth(ref: RefObject<HTMLElement | null>, fallback: number): number {
  return useElementSize(ref, 'width', fallback);
}
