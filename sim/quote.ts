/**
 * Text from outside (a path, a scenario's description, a device name) on its way to a
 * terminal: control characters are escaped so a newline cannot split a one-line message
 * and an escape sequence cannot recolour or rewrite the user's terminal.
 */

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and bidi
// overrides, which reorder or break what a terminal shows.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const UNSAFE_ONE = new RegExp(UNSAFE.source);

function escapeChar(ch: string): string {
  switch (ch) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\x1b":
      return "\\e";
  }
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every control character written as an escape (\n, \e, \x07, \u202e). */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** True if `text` prints as itself on one line. */
export function isPrintable(text: string): boolean {
  return !UNSAFE_ONE.test(text);
}

/**
 * A path or name for a message: as it is when it prints safely (the common case, so
 * messages stay as they were), otherwise single-quoted with its control characters escaped.
 */
export function quote(text: string): string {
  return isPrintable(text) ? text : `'${escapeControl(text)}'`;
}
