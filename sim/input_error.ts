/**
 * Bad user input: an unknown scenario, malformed YAML, a field out of range, a bad flag,
 * an unreadable file. The CLI prints `message` as one line and exits 2, never a stack.
 */
export class InputError extends Error {
  override readonly name = "InputError";
  readonly exitCode = 2;
}
