/** Token text made visible: spaces, newlines and tabs would otherwise vanish in a chip or a cell. */
export function visibleToken(text: string): string {
  return text
    .replace(/ /g, '\u2423')
    .replace(/\n/g, '\u21b5')
    .replace(/\t/g, '\u21e5')
    .replace(/\r/g, '\u240d');
}
