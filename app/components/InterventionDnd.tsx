/**
 * The drag-and-drop context shared by the vector library (draggable chips) and the layer slots
 * (droppables). It turns a drop into onAssign(blocks, kind, vectorId): the sweep of slots that ends at
 * the drop (from where the pointer first rested, or the chain's first slot; see slotRanges), or with
 * Shift held at the drop the range from the last assigned block. A keyboard drag assigns the drop slot
 * (or the Shift range): it crosses every slot on its way.
 */
import {
  type Announcements,
  type CollisionDetection,
  DndContext,
  type DragEndEvent,
  type DragOverEvent,
  DragOverlay,
  type DragStartEvent,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  createContext,
  type ReactElement,
  type ReactNode,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import type { SublayerKind, VectorEntry } from '../domain.ts';
import {
  dropBlocks,
  enterSlot,
  formatBlocks,
  kindLabel,
  parseSlotDropId,
  parseVectorDragId,
  SWEEP_DWELL_MS,
  type SweepState,
  sweepAnchor,
} from '../store/slotRanges.ts';
import './vectors.css';

export interface InterventionDndState {
  /** The vector being dragged. */
  activeVectorId?: string;
  /** The blocks a drop right now would assign (for highlighting). */
  preview?: { blocks: number[]; kind: SublayerKind };
  /** The block most recently assigned by any gesture: the start of Shift ranges. */
  lastAssigned?: number;
  setLastAssigned(block: number | undefined): void;
}

const InterventionDndContext = createContext<InterventionDndState | undefined>(undefined);

/** The shared drag state, or undefined outside an InterventionDndProvider. */
export function useInterventionDnd(): InterventionDndState | undefined {
  return useContext(InterventionDndContext);
}

export interface InterventionDndProviderProps {
  /** Which sublayer drops go to. */
  kind: SublayerKind;
  /** For names in the drag overlay and the announcements. */
  vectors: VectorEntry[];
  onAssign(blocks: number[], kind: SublayerKind, vectorId: string): void;
  children?: ReactNode;
}

/** The pointer decides for mouse and touch; a keyboard drag has no pointer, so the moved chip's box does. */
const collisionDetection: CollisionDetection = (args) =>
  args.pointerCoordinates ? pointerWithin(args) : rectIntersection(args);

interface DragTrack {
  sweep: SweepState;
  /** Whether Shift is held (its state at the drop decides). */
  shift: boolean;
  /** A keyboard drag crosses every slot on its way: it assigns the drop slot only (or a Shift range). */
  keyboard?: boolean;
  /** What the last drop assigned (read by the drop announcement). */
  dropped?: number[];
}

export function InterventionDndProvider({
  kind,
  vectors,
  onAssign,
  children,
}: InterventionDndProviderProps): ReactElement {
  const sensors = useSensors(
    // a few pixels of travel first, so clicks on the chip's buttons stay clicks
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor),
  );
  const [activeVectorId, setActiveVectorId] = useState<string>();
  const [over, setOver] = useState<number>();
  // bumped when the sweep changes, or the pointer has rested long enough to change where it starts
  const [, setTick] = useState(0);
  const [lastAssigned, setLastAssigned] = useState<number>();
  // refs as well as state: dnd-kit calls the announcements synchronously after the handlers
  const track = useRef<DragTrack>({ sweep: {}, shift: false });
  const lastAssignedRef = useRef<number | undefined>(undefined);
  lastAssignedRef.current = lastAssigned;

  const nameOf = (vectorId: string | undefined): string =>
    vectors.find((v) => v.id === vectorId)?.name ?? 'vector';

  // Shift can be pressed or released at any point of the drag; only its state at the drop counts
  useEffect(() => {
    if (activeVectorId === undefined) return;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Shift') return;
      track.current.shift = e.type === 'keydown';
      setTick((n) => n + 1);
    };
    const onPointer = (e: PointerEvent): void => {
      if (track.current.shift === e.shiftKey) return;
      track.current.shift = e.shiftKey;
      setTick((n) => n + 1);
    };
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('keyup', onKey, true);
    window.addEventListener('pointermove', onPointer, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('keyup', onKey, true);
      window.removeEventListener('pointermove', onPointer, true);
    };
  }, [activeVectorId]);

  // a rest on the slot under the pointer changes the range although no event says so
  useEffect(() => {
    if (over === undefined) return;
    const timer = setTimeout(() => setTick((n) => n + 1), SWEEP_DWELL_MS + 20);
    return () => clearTimeout(timer);
  }, [over]);

  const blocksFor = (drop: number): number[] =>
    dropBlocks({
      drop,
      anchor: track.current.keyboard ? drop : sweepAnchor(track.current.sweep, performance.now()),
      shift: track.current.shift,
      lastAssigned: lastAssignedRef.current,
    });

  const reset = (): void => {
    setActiveVectorId(undefined);
    setOver(undefined);
  };

  const onDragStart = (event: DragStartEvent): void => {
    const start = event.activatorEvent;
    const shiftAtStart =
      start instanceof KeyboardEvent || start instanceof MouseEvent ? start.shiftKey : false;
    track.current = { sweep: {}, shift: shiftAtStart, keyboard: start instanceof KeyboardEvent };
    setActiveVectorId(parseVectorDragId(event.active.id));
  };

  const onDragOver = (event: DragOverEvent): void => {
    const block = parseSlotDropId(event.over?.id);
    setOver(block);
    // leaving the slots (the gaps between them included) keeps the sweep going
    if (block === undefined) return;
    track.current.sweep = enterSlot(track.current.sweep, block, performance.now());
    setTick((n) => n + 1);
  };

  const onDragEnd = (event: DragEndEvent): void => {
    const vectorId = parseVectorDragId(event.active.id);
    const block = parseSlotDropId(event.over?.id);
    reset();
    if (vectorId === undefined || block === undefined) {
      track.current.dropped = undefined;
      return;
    }
    const blocks = blocksFor(block);
    track.current.dropped = blocks;
    setLastAssigned(block);
    onAssign(blocks, kind, vectorId);
  };

  const announcements: Announcements = {
    onDragStart: ({ active }) =>
      `Picked up vector ${nameOf(parseVectorDragId(active.id))}. Move it onto a ${kindLabel(kind)} slot.`,
    onDragOver: ({ active, over: target }) => {
      const block = parseSlotDropId(target?.id);
      const name = nameOf(parseVectorDragId(active.id));
      if (block === undefined) return `Vector ${name} is not over a slot.`;
      return `Vector ${name} is over ${kindLabel(kind)} block ${block}; dropping assigns ${formatBlocks(blocksFor(block))}.`;
    },
    onDragEnd: ({ active }) => {
      const name = nameOf(parseVectorDragId(active.id));
      const dropped = track.current.dropped;
      if (dropped === undefined) return `Vector ${name} was dropped outside the slots; nothing changed.`;
      return `Vector ${name} replaces the ${kindLabel(kind)} output of ${formatBlocks(dropped)}.`;
    },
    onDragCancel: ({ active }) => `Dragging vector ${nameOf(parseVectorDragId(active.id))} was cancelled.`,
  };

  // rebuilt on every render: the provider renders only on drag events and assignments
  const preview =
    activeVectorId !== undefined && over !== undefined ? { blocks: blocksFor(over), kind } : undefined;
  const value: InterventionDndState = {
    ...(activeVectorId !== undefined ? { activeVectorId } : {}),
    ...(preview ? { preview } : {}),
    ...(lastAssigned !== undefined ? { lastAssigned } : {}),
    setLastAssigned,
  };

  return (
    <InterventionDndContext value={value}>
      <DndContext
        sensors={sensors}
        collisionDetection={collisionDetection}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDragEnd={onDragEnd}
        onDragCancel={reset}
        accessibility={{
          announcements,
          screenReaderInstructions: {
            draggable:
              'To drag a vector, press Space or Enter, move it onto a layer slot with the arrow keys, ' +
              'and press Space or Enter again to drop it (Escape cancels). ' +
              'Without dragging: use the Pick button, then press Enter on a slot.',
          },
        }}
      >
        {children}
        <DragOverlay dropAnimation={null}>
          {activeVectorId !== undefined ? (
            <div className="vector-drag-overlay">
              {nameOf(activeVectorId)}
              {preview ? <span className="vector-drag-target"> → {formatBlocks(preview.blocks)}</span> : null}
            </div>
          ) : null}
        </DragOverlay>
      </DndContext>
    </InterventionDndContext>
  );
}
