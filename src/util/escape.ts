/**
 * Control characters in text that came from outside (a file header, a symbol, a server's reply) are shown as
 * `\xNN` / `\uNNNN`, so a message can neither drive the terminal (colours, cursor moves, clearing) nor hide or
 * reorder what it says (carriage return, bidi overrides). Newline and tab are kept: messages and hints use them.
 * Every place bf prints a message for a person goes through this one helper.
 */
/** C0 controls but tab and newline, DEL, C1 controls, and the invisible marks that reorder or break lines. */
function isControl(code: number): boolean {
  return (
    (code <= 0x1f && code !== 0x09 && code !== 0x0a) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

export function escapeControl(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (!isControl(code)) out += c;
    else
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, '0')}`
          : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return out;
}
