/** The o-vector library and the layer slots, sharing one drag-and-drop context. */
import type { ReactElement } from 'react';
import { InterventionDndProvider } from './InterventionDnd.tsx';
import { LayerSlots } from './LayerSlots.tsx';
import { useLensPick } from './useLens.ts';
import { VectorLibrary } from './VectorLibrary.tsx';

export function VectorsPanel(): ReactElement {
  const s = useLensPick((st) => ({
    vectors: st.vectors,
    info: st.info,
    importError: st.importError,
    picked: st.pickedVectorId,
    pick: st.pickVector,
    rename: st.renameVector,
    remove: st.deleteVector,
    importFiles: st.importVectorFiles,
    exportVector: st.exportVector,
    exportAll: st.exportAllVectors,
    interventions: st.interventions,
    kind: st.slotKind,
    setKind: st.setSlotKind,
    setScope: st.setScope,
    assign: st.assign,
    updateSlot: st.updateSlot,
    clear: st.clear,
    skipped: st.skippedSlots,
    pending: st.pendingVectors,
  }));
  return (
    <InterventionDndProvider kind={s.kind} vectors={s.vectors} onAssign={s.assign}>
      <section className="vectors-panel" aria-label="o-vectors and interventions">
        <VectorLibrary
          vectors={s.vectors}
          dModel={s.info?.nEmbd}
          modelName={s.info?.name}
          onRename={s.rename}
          onDelete={s.remove}
          onImport={(files) => void s.importFiles(files)}
          onExport={s.exportVector}
          onExportAll={s.exportAll}
          {...(s.importError ? { importError: s.importError } : {})}
          {...(s.picked ? { pickedVectorId: s.picked } : {})}
          onPick={s.pick}
        />
        <LayerSlots
          nLayer={s.info?.nLayer ?? 0}
          vectors={s.vectors}
          interventions={s.interventions}
          kind={s.kind}
          onKindChange={s.setKind}
          onScopeChange={s.setScope}
          onAssign={s.assign}
          onUpdateSlot={s.updateSlot}
          onClear={s.clear}
          {...(s.picked ? { pickedVectorId: s.picked } : {})}
          onPick={s.pick}
          {...(s.info ? { dModel: s.info.nEmbd } : {})}
        />
      </section>
      {s.pending.length > 0 ? (
        <p className="note" data-testid="pending-vectors">
          Waiting to recompute from their recipes: {s.pending.map((p) => p.name).join(', ')}
        </p>
      ) : null}
      {s.skipped.length > 0 ? (
        <ul className="note skipped-slots" data-testid="skipped-slots">
          {s.skipped.map((m) => (
            <li key={m}>Not applied: {m}</li>
          ))}
        </ul>
      ) : null}
    </InterventionDndProvider>
  );
}
