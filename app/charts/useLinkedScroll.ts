/**
 * Keeps the horizontal scroll of several scrollers inside `container` (matched by `selector`) in step:
 * the control and intervened heatmaps side by side show the same token columns. They have the same
 * label column and width (LensView gives both the stage letters' gutter), so the same scrollLeft
 * means the same columns.
 */
import { type RefObject, useEffect } from 'react';

export function useLinkedScroll(
  container: RefObject<HTMLElement | null>,
  selector: string,
  enabled: boolean,
): void {
  useEffect(() => {
    const root = container.current;
    if (!root || !enabled) return;
    const scrollers = [...root.querySelectorAll<HTMLElement>(selector)];
    if (scrollers.length < 2) return;
    const listeners = scrollers.map((from) => {
      // setting a follower's scrollLeft fires its own scroll event; equal values end the echo
      const follow = (): void => {
        for (const to of scrollers)
          if (to !== from && Math.abs(to.scrollLeft - from.scrollLeft) >= 1) to.scrollLeft = from.scrollLeft;
      };
      from.addEventListener('scroll', follow, { passive: true });
      return () => from.removeEventListener('scroll', follow);
    });
    // start in step (each scrolled itself to its end before this ran)
    const left = Math.min(...scrollers.map((el) => el.scrollLeft));
    for (const el of scrollers) el.scrollLeft = left;
    return () => {
      for (const remove of listeners) remove();
    };
  }, [container, selector, enabled]);
}
