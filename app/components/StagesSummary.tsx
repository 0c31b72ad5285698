/** The paper's stages (argument formation, function application, saturation) in one line. */
import type { ReactElement } from 'react';
import { describeStages } from '../analysis/stages.ts';
import { useLens } from './useLens.ts';

export function StagesSummary(): ReactElement | null {
  const stages = useLens((s) => s.stages);
  if (!stages) return null;
  return (
    <p className="stages" data-testid="stages">
      {describeStages(stages)}
    </p>
  );
}
