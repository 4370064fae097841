/**
 * Text that came from outside and will be stored or printed: no character
 * PostgreSQL refuses (NUL), no control character, no terminal escape sequence,
 * no bidirectional override that would make an operator's terminal or a page
 * show something else than what is stored.
 */

// C0 controls (NUL, CR, LF, ESC…), DEL and C1 controls.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is matched
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- as above, globally
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// Terminal escape sequences, removed whole so their parameters do not stay behind as text: CSI, OSC, and two-character ones.
// eslint-disable-next-line no-control-regex -- ESC and BEL are part of what is matched
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// Bidirectional embeddings, overrides, isolates and marks (the "Trojan Source" characters).
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** True when `text` holds a control character (tab, CR and LF included). */
export const hasControl = (text: string): boolean => CONTROL.test(text);

/**
 * A one-line label safe to store and print: escape sequences and bidi
 * controls removed, other controls (CR, LF, tab, NUL…) turned into spaces,
 * runs of spaces folded, NFC, at most `max` characters.
 */
export function cleanLabel(text: string, max: number): string {
  const cleaned = text.replace(ESCAPES, '').replace(BIDI, '').replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim().normalize('NFC');
  // Cut on code points, not UTF-16 units, so no lone surrogate is left at the end.
  return Array.from(cleaned).slice(0, max).join('');
}

/** A device name as it is stored: see `cleanLabel`. @see docs/protocol.md §3 (`device.name`, at most 64 characters) */
export const cleanDeviceName = (name: string): string => cleanLabel(name, 64);
