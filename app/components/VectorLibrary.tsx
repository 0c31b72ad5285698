/**
 * The o-vector library: captured and imported vectors as draggable chips (drop them on layer slots),
 * with rename, export, delete, and a keyboard "pick" that the slots can take without a mouse.
 * Needs an InterventionDndProvider above it for dragging.
 */
import { useDraggable } from '@dnd-kit/core';
import { type KeyboardEvent, type PointerEvent, type ReactElement, useRef, useState } from 'react';
import type { ModelSource, VectorEntry, VectorRecipe } from '../domain.ts';
import { vectorDragId } from '../store/slotRanges.ts';
import { visibleToken } from '../tokenText.ts';
import './vectors.css';

export interface VectorLibraryProps {
  vectors: VectorEntry[];
  /** undefined while no model is loaded. */
  dModel: number | undefined;
  modelName: string | undefined;
  onRename(id: string, name: string): void;
  onDelete(id: string): void;
  /** The parent reads and validates the files (vectorFiles) and reports errors in importError. */
  onImport(files: File[]): void;
  onExport(id: string, format: 'npy' | 'json'): void;
  onExportAll(): void;
  importError?: string;
  /** Keyboard "pick up" state: the slots assign this vector on Enter. */
  pickedVectorId?: string;
  onPick(id: string | undefined): void;
}

const PROMPT_CHARS = 40;
const PROMOTED_SHOWN = 5;

function modelLabel(model: ModelSource): string {
  if (model.source === 'builtin') return 'built-in';
  if (model.revision === 'main' || model.revision === '') return model.repo;
  const rev = /^[0-9a-f]{40}$/.test(model.revision) ? model.revision.slice(0, 7) : model.revision;
  return `${model.repo}@${rev}`;
}

/** One line for the prompt: newlines and runs of spaces collapse, long prompts end in an ellipsis. */
function shortPrompt(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > PROMPT_CHARS ? `${flat.slice(0, PROMPT_CHARS)}…` : flat;
}

/** "gpt2-medium · block 19 FFN · “Q: What is…”", "imported from o_city.npy", or ''. */
export function vectorSource(entry: Pick<VectorEntry, 'recipe' | 'importedFrom'>): string {
  const recipe: VectorRecipe | undefined = entry.recipe;
  if (recipe) {
    const kind = recipe.kind === 'ffn' ? 'FFN' : 'attn';
    return `${modelLabel(recipe.model)} · block ${recipe.block} ${kind} · “${shortPrompt(recipe.prompt)}”`;
  }
  if (entry.importedFrom) return `imported from ${entry.importedFrom}`;
  return '';
}

/** Why a vector cannot be used with the loaded model, or undefined when it can. */
export function sizeMismatch(
  entry: Pick<VectorEntry, 'data'>,
  dModel: number | undefined,
  modelName: string | undefined,
): string | undefined {
  if (dModel === undefined || entry.data.length === dModel) return undefined;
  return `size mismatch: ${entry.data.length} values, ${modelName ?? 'the loaded model'} needs ${dModel}`;
}

/** Pointer-downs on the chip's own controls (but the grip) stay theirs (typing, clicking), not a drag. */
function fromControl(target: EventTarget | null): boolean {
  return (
    target instanceof Element &&
    target.closest('button:not(.vector-grip), input, select, textarea, a') !== null
  );
}

interface VectorChipProps {
  entry: VectorEntry;
  dModel: number | undefined;
  modelName: string | undefined;
  picked: boolean;
  onRename(id: string, name: string): void;
  onDelete(id: string): void;
  onExport(id: string, format: 'npy' | 'json'): void;
  onPick(id: string | undefined): void;
}

function VectorChip({
  entry,
  dModel,
  modelName,
  picked,
  onRename,
  onDelete,
  onExport,
  onPick,
}: VectorChipProps): ReactElement {
  const mismatch = sizeMismatch(entry, dModel, modelName);
  const usable = dModel !== undefined && mismatch === undefined;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, isDragging } = useDraggable({
    id: vectorDragId(entry.id),
    data: { vectorId: entry.id, name: entry.name },
    disabled: !usable,
  });
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(entry.name);
  // Enter/Escape end the edit before the input unmounts; the blur that may follow must not save again
  const settled = useRef(false);
  const renameButton = useRef<HTMLButtonElement>(null);

  const startEdit = (): void => {
    settled.current = false;
    setDraft(entry.name);
    setEditing(true);
  };
  const finishEdit = (save: boolean): void => {
    if (settled.current) return;
    settled.current = true;
    const name = draft.trim();
    if (save && name !== '' && name !== entry.name) onRename(entry.id, name);
    setEditing(false);
    // back to where the edit began, for keyboard users
    queueMicrotask(() => renameButton.current?.focus());
  };
  const onNameKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    if (e.key === 'Enter') {
      e.preventDefault();
      finishEdit(true);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      finishEdit(false);
    }
  };

  const onPointerDown = (e: PointerEvent<HTMLLIElement>): void => {
    if (fromControl(e.target)) return;
    listeners?.onPointerDown?.(e);
  };

  const source = vectorSource(entry);
  const promoted = entry.promotes.slice(0, PROMOTED_SHOWN);
  const classes = ['vector-chip'];
  if (mismatch) classes.push('is-mismatch');
  if (picked) classes.push('is-picked');
  if (isDragging) classes.push('is-dragging');

  return (
    <li
      ref={setNodeRef}
      className={classes.join(' ')}
      data-testid="vector-chip"
      data-vector-id={entry.id}
      data-mismatch={mismatch ? 'true' : undefined}
      onPointerDown={usable ? onPointerDown : undefined}
    >
      <div className="vector-chip-head">
        {usable ? (
          <button
            type="button"
            ref={setActivatorNodeRef}
            className="vector-grip"
            data-testid="vector-drag-handle"
            {...attributes}
            {...listeners}
            // the chip handles pointer-downs (see above); the handle keeps keyboard dragging
            onPointerDown={undefined}
            aria-label={`Drag ${entry.name} onto a layer slot`}
          >
            ⠿
          </button>
        ) : (
          <span className="vector-grip is-disabled" aria-hidden="true">
            ⠿
          </span>
        )}
        {editing ? (
          <input
            className="vector-name-input"
            data-testid="vector-name"
            aria-label={`New name for ${entry.name}`}
            value={draft}
            // biome-ignore lint/a11y/noAutofocus: the user just asked to rename this vector
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={onNameKey}
            onBlur={() => finishEdit(true)}
          />
        ) : (
          <span className="vector-name" data-testid="vector-name" title={entry.name}>
            {entry.name}
          </span>
        )}
        <span className="vector-norm" data-testid="vector-norm" title="Euclidean norm">
          ‖v‖ {entry.norm.toFixed(2)}
        </span>
      </div>
      {source ? (
        <div
          className="vector-source"
          data-testid="vector-source"
          title={entry.recipe ? entry.recipe.prompt : source}
        >
          {source}
        </div>
      ) : null}
      {promoted.length > 0 ? (
        <div className="vector-promotes" data-testid="vector-promotes">
          <span className="vector-label">promotes</span>
          {promoted.map((t) => (
            <span key={t.id} className="vector-token" title={`${JSON.stringify(t.token)} (id ${t.id})`}>
              {visibleToken(t.token)}
            </span>
          ))}
        </div>
      ) : null}
      {mismatch ? (
        <div className="vector-mismatch" data-testid="vector-mismatch">
          {mismatch}
        </div>
      ) : null}
      <div className="vector-actions">
        <button
          type="button"
          data-testid="vector-pick"
          aria-pressed={picked}
          disabled={!usable}
          onClick={() => onPick(picked ? undefined : entry.id)}
          title="Pick this vector, then press Enter on a layer slot"
        >
          {picked ? 'Picked' : 'Pick'}
        </button>
        <button
          type="button"
          ref={renameButton}
          data-testid="vector-rename"
          aria-label={`Rename ${entry.name}`}
          disabled={editing}
          onClick={startEdit}
        >
          Rename
        </button>
        <button
          type="button"
          data-testid="vector-export-npy"
          aria-label={`Export ${entry.name} as .npy`}
          onClick={() => onExport(entry.id, 'npy')}
        >
          .npy
        </button>
        <button
          type="button"
          data-testid="vector-export-json"
          aria-label={`Export ${entry.name} as .json`}
          onClick={() => onExport(entry.id, 'json')}
        >
          .json
        </button>
        <button
          type="button"
          className="vector-delete"
          data-testid="vector-delete"
          aria-label={`Delete ${entry.name}`}
          onClick={() => onDelete(entry.id)}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

export function VectorLibrary({
  vectors,
  dModel,
  modelName,
  onRename,
  onDelete,
  onImport,
  onExport,
  onExportAll,
  importError,
  pickedVectorId,
  onPick,
}: VectorLibraryProps): ReactElement {
  const picked = vectors.find((v) => v.id === pickedVectorId);
  return (
    <section className="vector-library" data-testid="vector-library" aria-labelledby="vector-library-title">
      <div className="vector-library-head">
        <h2 id="vector-library-title">O-vectors</h2>
        <span className="vector-count">{vectors.length}</span>
        <label className="vector-import">
          Import…
          <input
            type="file"
            data-testid="vector-import"
            accept=".npy,.json"
            multiple
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              // cleared so that choosing the same file again fires again
              e.target.value = '';
              if (files.length > 0) onImport(files);
            }}
          />
        </label>
        <button
          type="button"
          data-testid="vector-export-all"
          disabled={vectors.length === 0}
          onClick={onExportAll}
        >
          Export all
        </button>
      </div>
      {importError ? (
        <p className="vector-import-error" role="alert" data-testid="vector-import-error">
          {importError}
        </p>
      ) : null}
      {vectors.length === 0 ? (
        <p className="vector-empty" data-testid="vector-empty">
          No vectors yet: capture one from a run, or import a .npy or .json file.
        </p>
      ) : (
        <ul className="vector-list" aria-label="O-vector library">
          {vectors.map((entry) => (
            <VectorChip
              key={entry.id}
              entry={entry}
              dModel={dModel}
              modelName={modelName}
              picked={entry.id === pickedVectorId}
              onRename={onRename}
              onDelete={onDelete}
              onExport={onExport}
              onPick={onPick}
            />
          ))}
        </ul>
      )}
      <p className="vector-picked-status" aria-live="polite" data-testid="vector-picked-status">
        {picked ? `Picked ${picked.name}: press Enter on a layer slot to assign it.` : ''}
      </p>
    </section>
  );
}
