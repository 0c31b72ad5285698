/** Browser downloads: the one place that turns a Blob into a saved file. */

/** Saves a blob under a file name (an object URL on a temporary link). */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // some browsers read the URL after click returns
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
