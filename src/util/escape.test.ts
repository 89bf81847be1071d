import { describe, expect, it } from 'vitest';
import { escapeControl } from './escape.ts';

describe('escapeControl', () => {
  it.each([
    ['NUL bytes of a UTF-16 header', 'D\u0000a\u0000t\u0000e', 'D\\x00a\\x00t\\x00e'],
    ['an ANSI colour sequence', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['a carriage return that would overwrite the line', 'ok\rFAIL', 'ok\\x0dFAIL'],
    ['DEL and a C1 control', 'a\u007fb\u009bc', 'a\\x7fb\\x9bc'],
    ['a bidi override', 'abc\u202edef', 'abc\\u202edef'],
  ])('escapes %s', (_name, raw, shown) => {
    expect(escapeControl(raw)).toBe(shown);
  });

  it('keeps newline, tab and ordinary Unicode', () => {
    const text = 'line 1\n\tline 2 → 0.615, Zürich, 日本';
    expect(escapeControl(text)).toBe(text);
  });
});
