import { describe, expect, it } from 'vitest';
import { escapeControl } from './text.ts';

describe('escapeControl', () => {
  it.each([
    ['plain text', 'plain text'],
    ['line\nbreak\tand tab', 'line\nbreak\tand tab'],
    ['\x1b[2Kcleared', '\\x1b[2Kcleared'],
    ['bell\x07 del\x7f cr\r', 'bell\\x07 del\\x7f cr\\x0d'],
    ['≥ 24 ✅', '≥ 24 ✅'],
  ])('%j → %j', (input, expected) => {
    expect(escapeControl(input)).toBe(expected);
  });
});
