/**
 * Display width of text in a terminal: East Asian wide and fullwidth characters (and emoji)
 * take two columns, combining marks and control characters none. Docker's tabwriter measures
 * cells with go-runewidth, and its Ellipsis with x/text/width; both agree on these ranges.
 */

const WIDE: [number, number][] = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f004, 0x1f004],
  [0x1f200, 0x1f2ff],
  [0x1f300, 0x1f64f],
  [0x1f680, 0x1f6ff],
  [0x1f900, 0x1f9ff],
  [0x1fa70, 0x1faff],
  [0x20000, 0x3fffd],
];

// made on first use: a Unicode-property class costs ~1 ms to build, and most text is ASCII
let zeroWidth: RegExp | undefined;

/** Columns one character takes: 2 for East Asian wide/fullwidth, else 1. */
export function eastAsianWidth(ch: string): 1 | 2 {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x1100) return 1;
  for (const [lo, hi] of WIDE) if (cp >= lo && cp <= hi) return 2;
  return 1;
}

/** Columns a string takes in a terminal (go-runewidth's StringWidth). */
export function stringWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f) w++;
    else {
      zeroWidth ??= /^[\p{Mn}\p{Me}\p{Cf}\p{Cc}]$/u;
      if (!zeroWidth.test(ch)) w += eastAsianWidth(ch);
    }
  }
  return w;
}
