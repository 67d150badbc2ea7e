/**
 * Go's text/tabwriter as vendored by docker (cli/command/formatter/tabwriter): an elastic
 * tabstop writer. Tab-terminated cells of adjacent lines form a column, padded to the widest
 * cell plus `padding` (at least `minWidth`); a line's last cell is never padded; a line
 * without tabs ends the block, so columns realign after it. Docker's tables use
 * minWidth 10, tabWidth 1, padding 3, padChar ' ', no flags (DOCKER_TABLE_WRITER).
 */
import { stringWidth } from "./text-width.ts";

export interface TabWriterOptions {
  minWidth: number;
  tabWidth: number;
  padding: number;
  padChar: string;
  alignRight?: boolean;
  discardEmptyColumns?: boolean;
  /** Indent with tabs when leading cells are empty (TabIndent). */
  tabIndent?: boolean;
  /** Print '|' between columns (Debug). */
  debug?: boolean;
}

export const DOCKER_TABLE_WRITER: TabWriterOptions = { minWidth: 10, tabWidth: 1, padding: 3, padChar: " " };

interface Cell {
  text: string;
  width: number;
  htab: boolean; // terminated by '\t'
}

export class TabWriter {
  readonly #o: TabWriterOptions;
  #lines: Cell[][] = [[]];
  #cell: Cell = { text: "", width: 0, htab: false };
  #widths: number[] = [];
  #out: string[] = [];

  constructor(options: TabWriterOptions = DOCKER_TABLE_WRITER) {
    if (options.minWidth < 0 || options.tabWidth < 0 || options.padding < 0) {
      throw new RangeError("negative minwidth, tabwidth, or padding");
    }
    this.#o = options.padChar === "\t" ? { ...options, alignRight: false } : options;
  }

  write(text: string): void {
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== "\t" && ch !== "\v" && ch !== "\n" && ch !== "\f") continue;
      this.#append(text.slice(n, i));
      n = i + 1;
      const ncells = this.#terminateCell(ch === "\t");
      if (ch === "\n" || ch === "\f") {
        this.#lines.push([]);
        // A line of one cell (no tabs) cannot belong to a column block: flush what came before.
        if (ch === "\f" || ncells === 1) {
          this.#flushLines();
          if (ch === "\f" && this.#o.debug) this.#out.push("---\n");
        }
      }
    }
    this.#append(text.slice(n));
  }

  /** Formats everything buffered and returns all output produced so far. */
  flush(): string {
    this.#flushLines();
    const out = this.#out.join("");
    this.#out = [];
    return out;
  }

  #append(t: string): void {
    if (t === "") return;
    this.#cell.text += t;
    this.#cell.width += stringWidth(t);
  }

  #terminateCell(htab: boolean): number {
    this.#cell.htab = htab;
    const line = this.#lines[this.#lines.length - 1];
    line.push(this.#cell);
    this.#cell = { text: "", width: 0, htab: false };
    return line.length;
  }

  #flushLines(): void {
    if (this.#cell.text.length > 0) this.#terminateCell(false);
    this.#format(0, this.#lines.length);
    this.#lines = [[]];
    this.#widths = [];
  }

  #format(line0: number, line1: number): void {
    const column = this.#widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= this.#lines[row].length - 1) continue;
      // This line has a cell in this column: lines from here on (while they do) form a block.
      this.#writeLines(line0, row);
      line0 = row;
      let width = this.#o.minWidth;
      let discardable = true;
      for (; row < line1; row++) {
        const line = this.#lines[row];
        if (column >= line.length - 1) break;
        const c = line[column];
        width = Math.max(width, c.width + this.#o.padding);
        if (c.width > 0 || c.htab) discardable = false;
      }
      if (discardable && this.#o.discardEmptyColumns) width = 0;
      this.#widths.push(width);
      this.#format(line0, row);
      this.#widths.pop();
      line0 = row;
    }
    this.#writeLines(line0, line1);
  }

  #writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.#lines[i];
      let useTabs = Boolean(this.#o.tabIndent);
      line.forEach((c, j) => {
        if (j > 0 && this.#o.debug) this.#out.push("|");
        if (c.text.length === 0) {
          if (j < this.#widths.length) this.#writePadding(c.width, this.#widths[j], useTabs);
          return;
        }
        useTabs = false;
        if (!this.#o.alignRight) {
          this.#out.push(c.text);
          if (j < this.#widths.length) this.#writePadding(c.width, this.#widths[j], false);
        } else {
          if (j < this.#widths.length) this.#writePadding(c.width, this.#widths[j], false);
          this.#out.push(c.text);
        }
      });
      // The last buffered line has no newline yet: only its unfinished cell follows.
      this.#out.push(i + 1 === this.#lines.length ? this.#cell.text : "\n");
    }
  }

  #writePadding(textw: number, cellw: number, useTabs: boolean): void {
    const { padChar, tabWidth } = this.#o;
    if (padChar === "\t" || useTabs) {
      if (tabWidth === 0) return; // tabs have no width: no padding possible
      const w = Math.ceil(cellw / tabWidth) * tabWidth;
      this.#out.push("\t".repeat(Math.ceil((w - textw) / tabWidth)));
      return;
    }
    this.#out.push(padChar.repeat(cellw - textw));
  }
}

/** Aligns tab-separated text in one go. */
export function tabwrite(text: string, options: TabWriterOptions = DOCKER_TABLE_WRITER): string {
  const w = new TabWriter(options);
  w.write(text);
  return w.flush();
}
