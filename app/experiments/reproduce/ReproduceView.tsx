/** "Reproduce the paper": the three experiments on the loaded model beside the paper's numbers. */
import type { ReactElement } from 'react';

export function ReproduceView(): ReactElement {
  return (
    <section className="reproduce" data-testid="reproduce-view">
      <h2>Reproduce the paper</h2>
    </section>
  );
}
