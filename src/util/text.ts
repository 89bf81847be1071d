/**
 * Control characters (other than newline and tab) shown as `\xNN`, so text from outside (a tool's stderr, a file)
 * printed to a terminal can never move the cursor, clear lines or ring the bell.
 */
export function escapeControl(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    const control = (code < 0x20 && ch !== '\n' && ch !== '\t') || code === 0x7f;
    out += control ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
