/** Line breaks and tabs made visible (a cell or a chip would otherwise show nothing); spaces kept. */
export function visibleBreaks(text: string): string {
  return text.replace(/\n/g, '\u21b5').replace(/\t/g, '\u21e5').replace(/\r/g, '\u240d');
}

/** Token text made visible: spaces, newlines and tabs would otherwise vanish in a chip or a cell. */
export function visibleToken(text: string): string {
  return visibleBreaks(text).replace(/ /g, '\u2423');
}
