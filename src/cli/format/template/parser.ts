/**
 * The parser of Go's text/template (text/template/parse/parse.go): actions, pipelines,
 * declarations, if / else if / with / else with / range / break / continue, define, block and
 * template. Errors read like Go's: `template: :1: function "foo" not defined`.
 */
import { goQuote, goUnquote } from "../../../lib/go-quote.ts";
import { parseGoFloat, parseGoInt, parseGoUint } from "../../../lib/go-strconv.ts";
import { type Item, type ItemType, itemString, lex } from "./lexer.ts";
import type {
  ActionNode,
  CommandNode,
  ElseNode,
  EndNode,
  IfNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  RangeNode,
  TemplateNode,
  VariableNode,
  WithNode,
} from "./nodes.ts";
import { nodeString } from "./nodes.ts";
import { TemplateError } from "./template-error.ts";

export interface ParsedTemplates {
  /** The named trees: "" (or the given name) is the main template; define/block add others. */
  trees: Map<string, ListNode>;
}

const OPERAND_START = new Set<ItemType>([
  "bool",
  "charConstant",
  "complex",
  "dot",
  "field",
  "identifier",
  "number",
  "nil",
  "rawString",
  "string",
  "variable",
  "leftParen",
]);

export function parseTemplate(
  name: string,
  text: string,
  hasFunction: (name: string) => boolean,
): ParsedTemplates {
  const p = new Parser(name, text, hasFunction);
  return { trees: p.parseAll() };
}

class Parser {
  #name: string;
  #items: Item[];
  #idx = 0;
  #maxIdx = 0;
  #vars: string[] = ["$"];
  #rangeDepth = 0;
  #actionLine = 0;
  #hasFunction: (name: string) => boolean;
  #trees = new Map<string, ListNode>();

  constructor(name: string, text: string, hasFunction: (name: string) => boolean) {
    this.#name = name;
    this.#items = lex(text);
    this.#hasFunction = hasFunction;
  }

  // --- token stream -------------------------------------------------------------------------

  #at(i: number): Item {
    const item = this.#items[Math.min(i, this.#items.length - 1)];
    if (i > this.#maxIdx) this.#maxIdx = Math.min(i, this.#items.length - 1);
    return item;
  }
  #next(): Item {
    return this.#at(this.#idx++);
  }
  #peek(): Item {
    return this.#at(this.#idx);
  }
  #backup(): void {
    this.#idx--;
  }
  #nextNonSpace(): Item {
    let t = this.#next();
    while (t.type === "space") t = this.#next();
    return t;
  }
  #peekNonSpace(): Item {
    const t = this.#nextNonSpace();
    this.#backup();
    return t;
  }

  #errorf(msg: string): never {
    const line = this.#items[this.#maxIdx]?.line ?? 1;
    throw new TemplateError(`template: ${this.#name}:${line}: ${msg}`);
  }
  #unexpected(token: Item, context: string): never {
    if (token.type === "error") {
      let extra = "";
      if (this.#actionLine !== 0 && this.#actionLine !== token.line) {
        extra = ` in action started at ${this.#name}:${this.#actionLine}`;
        if (token.val.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.#errorf(token.val + extra);
    }
    this.#errorf(`unexpected ${itemString(token)} in ${context}`);
  }
  #expect(type: ItemType, context: string): Item {
    const t = this.#nextNonSpace();
    if (t.type !== type) this.#unexpected(t, context);
    return t;
  }

  // --- structure ----------------------------------------------------------------------------

  parseAll(): Map<string, ListNode> {
    const root: ListNode = { type: "list", pos: this.#peek().pos, nodes: [] };
    while (this.#peek().type !== "eof") {
      if (this.#peek().type === "leftDelim") {
        const save = this.#idx;
        this.#next();
        if (this.#nextNonSpace().type === "define") {
          this.#parseDefinition();
          continue;
        }
        this.#idx = save;
      }
      const n = this.#textOrAction();
      if (n.type === "end" || n.type === "else") this.#errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    this.#add(this.#name, root);
    return this.#trees;
  }

  #add(name: string, list: ListNode): void {
    const existing = this.#trees.get(name);
    if (existing && !isEmptyTree(existing) && !isEmptyTree(list)) {
      this.#errorf(`template: multiple definition of template ${goQuote(name)}`);
    }
    if (!existing || isEmptyTree(existing)) this.#trees.set(name, list);
  }

  #parseDefinition(): void {
    const context = "define clause";
    const tok = this.#nextNonSpace();
    if (tok.type !== "string" && tok.type !== "rawString") this.#unexpected(tok, context);
    const name = this.#unquote(tok.val);
    this.#expect("rightDelim", context);
    const saved = this.#vars;
    this.#vars = ["$"];
    const [list, end] = this.#itemList();
    this.#vars = saved;
    if (end.type !== "end") this.#errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.#add(name, list);
  }

  #itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { type: "list", pos: this.#peekNonSpace().pos, nodes: [] };
    while (this.#peekNonSpace().type !== "eof") {
      const n = this.#textOrAction();
      if (n.type === "end" || n.type === "else") return [list, n];
      list.nodes.push(n);
    }
    this.#errorf("unexpected EOF");
  }

  #textOrAction(): Node {
    const token = this.#nextNonSpace();
    if (token.type === "text") return { type: "text", pos: token.pos, text: token.val };
    if (token.type === "leftDelim") {
      this.#actionLine = token.line;
      try {
        return this.#action();
      } finally {
        this.#actionLine = 0;
      }
    }
    this.#unexpected(token, "input");
  }

  #action(): Node {
    const token = this.#nextNonSpace();
    switch (token.type) {
      case "block":
        return this.#blockControl();
      case "break":
      case "continue": {
        const t = this.#nextNonSpace();
        if (t.type !== "rightDelim") this.#unexpected(t, `{{${token.type}}}`);
        if (this.#rangeDepth === 0) this.#errorf(`{{${token.type}}} outside {{range}}`);
        return { type: token.type, pos: token.pos };
      }
      case "else":
        return this.#elseControl();
      case "end":
        return { type: "end", pos: this.#expect("rightDelim", "end").pos };
      case "if":
        return { type: "if", ...this.#parseControl("if") } satisfies IfNode;
      case "range":
        return { type: "range", ...this.#parseControl("range") } satisfies RangeNode;
      case "template":
        return this.#templateControl();
      case "with":
        return { type: "with", ...this.#parseControl("with") } satisfies WithNode;
    }
    this.#backup();
    const pos = this.#peek().pos;
    // Variables declared here persist until the enclosing {{end}}.
    return { type: "action", pos, pipe: this.#pipeline("command", "rightDelim") } satisfies ActionNode;
  }

  #parseControl(context: "if" | "range" | "with"): {
    pos: number;
    pipe: PipeNode;
    list: ListNode;
    elseList: ListNode | null;
  } {
    const varsLen = this.#vars.length;
    const pipe = this.#pipeline(context, "rightDelim");
    if (context === "range") this.#rangeDepth++;
    let [list, next] = this.#itemList();
    if (context === "range") this.#rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.type === "else") {
      // {{else if x}} and {{else with x}} read as {{else}}{{if x}}...{{end}}{{end}} with one {{end}}.
      if (context === "if" && this.#peek().type === "if") {
        this.#next();
        elseList = { type: "list", pos: next.pos, nodes: [{ type: "if", ...this.#parseControl("if") }] };
      } else if (context === "with" && this.#peek().type === "with") {
        this.#next();
        elseList = { type: "list", pos: next.pos, nodes: [{ type: "with", ...this.#parseControl("with") }] };
      } else {
        [elseList, next] = this.#itemList();
        if (next.type !== "end") this.#errorf(`expected end; found ${nodeString(next)}`);
      }
    }
    this.#vars.length = varsLen;
    return { pos: pipe.pos, pipe, list, elseList };
  }

  #elseControl(): ElseNode {
    const peek = this.#peekNonSpace();
    if (peek.type === "if" || peek.type === "with") return { type: "else", pos: peek.pos };
    return { type: "else", pos: this.#expect("rightDelim", "else").pos };
  }

  #templateName(token: Item, context: string): string {
    if (token.type !== "string" && token.type !== "rawString") this.#unexpected(token, context);
    return this.#unquote(token.val);
  }

  #blockControl(): TemplateNode {
    const context = "block clause";
    const token = this.#nextNonSpace();
    const name = this.#templateName(token, context);
    const pipe = this.#pipeline(context, "rightDelim");
    const saved = this.#vars;
    this.#vars = ["$"];
    const [list, end] = this.#itemList();
    this.#vars = saved;
    if (end.type !== "end") this.#errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.#add(name, list);
    return { type: "template", pos: token.pos, name, pipe };
  }

  #templateControl(): TemplateNode {
    const context = "template clause";
    const token = this.#nextNonSpace();
    const name = this.#templateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.#nextNonSpace().type !== "rightDelim") {
      this.#backup();
      pipe = this.#pipeline(context, "rightDelim");
    }
    return { type: "template", pos: token.pos, name, pipe };
  }

  // --- pipelines ------------------------------------------------------------------------------

  #pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const pipe: PipeNode = {
      type: "pipe",
      pos: this.#peekNonSpace().pos,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    for (;;) {
      const v = this.#peekNonSpace();
      if (v.type !== "variable") break;
      const vIdx = this.#idx;
      this.#next();
      const next = this.#peekNonSpace();
      if (next.type === "assign" || next.type === "declare") {
        pipe.isAssign = next.type === "assign";
        this.#nextNonSpace();
        pipe.decl.push(this.#variable(v.pos, v.val));
        this.#vars.push(v.val);
      } else if (next.type === "char" && next.val === ",") {
        this.#nextNonSpace();
        pipe.decl.push(this.#variable(v.pos, v.val));
        this.#vars.push(v.val);
        if (context === "range" && pipe.decl.length < 2) {
          const t = this.#peekNonSpace().type;
          if (t === "variable" || t === "rightDelim" || t === "rightParen") continue;
          this.#errorf("range can only initialize variables");
        }
        this.#errorf(`too many declarations in ${context}`);
      } else this.#idx = vIdx; // "$x foo": $x is an argument, not a declaration
      break;
    }
    for (;;) {
      const token = this.#nextNonSpace();
      if (token.type === end) {
        this.#checkPipeline(pipe, context);
        return pipe;
      }
      if (!OPERAND_START.has(token.type)) this.#unexpected(token, context);
      this.#backup();
      pipe.cmds.push(this.#command());
    }
  }

  #checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.#errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      if (["bool", "dot", "nil", "number", "string"].includes(c.args[0].type)) {
        this.#errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  #command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.#peekNonSpace().pos, args: [] };
    for (;;) {
      this.#peekNonSpace();
      const operand = this.#operand();
      if (operand) cmd.args.push(operand);
      const token = this.#next();
      if (token.type === "space") continue;
      if (token.type === "rightDelim" || token.type === "rightParen") this.#backup();
      else if (token.type !== "pipe") this.#unexpected(token, "operand");
      break;
    }
    if (cmd.args.length === 0) this.#errorf("empty command");
    return cmd;
  }

  #operand(): Node | null {
    const node = this.#term();
    if (!node) return null;
    if (this.#peek().type !== "field") return node;
    const pos = this.#peek().pos;
    const fields: string[] = [];
    while (this.#peek().type === "field") fields.push(this.#next().val.slice(1));
    switch (node.type) {
      case "field":
        return { type: "field", pos, ident: [...node.ident, ...fields] };
      case "variable":
        return { type: "variable", pos, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.#errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { type: "chain", pos, node, field: fields };
  }

  #term(): Node | null {
    const token = this.#nextNonSpace();
    switch (token.type) {
      case "error":
        this.#unexpected(token, "operand");
        break;
      case "identifier":
        if (!this.#hasFunction(token.val)) this.#errorf(`function ${goQuote(token.val)} not defined`);
        return { type: "identifier", pos: token.pos, name: token.val };
      case "dot":
        return { type: "dot", pos: token.pos };
      case "nil":
        return { type: "nil", pos: token.pos };
      case "variable":
        if (!this.#vars.includes(token.val)) this.#errorf(`undefined variable ${goQuote(token.val)}`);
        return this.#variable(token.pos, token.val);
      case "field":
        return { type: "field", pos: token.pos, ident: token.val.slice(1).split(".") };
      case "bool":
        return { type: "bool", pos: token.pos, value: token.val === "true" };
      case "charConstant":
      case "complex":
      case "number":
        return this.#number(token);
      case "leftParen":
        return this.#pipeline("parenthesized pipeline", "rightParen");
      case "string":
      case "rawString":
        return { type: "string", pos: token.pos, quoted: token.val, text: this.#unquote(token.val) };
    }
    this.#backup();
    return null;
  }

  #variable(pos: number, name: string): VariableNode {
    return { type: "variable", pos, ident: name.split(".") };
  }

  #unquote(lit: string): string {
    try {
      return goUnquote(lit);
    } catch {
      this.#errorf("invalid syntax");
    }
  }

  #number(token: Item): NumberNode {
    const text = token.val;
    const node = (value: number, isInt: boolean, isFloat: boolean): NumberNode => ({
      type: "number",
      pos: token.pos,
      text,
      value,
      isInt,
      isFloat,
    });
    if (token.type === "charConstant") {
      let ch: string;
      try {
        ch = goUnquote(text);
      } catch {
        this.#errorf(`malformed character constant: ${text}`);
      }
      return node(ch.codePointAt(0)!, true, true);
    }
    if (token.type === "complex" || text.endsWith("i"))
      this.#errorf(`complex numbers are not supported: ${goQuote(text)}`);
    let asInt: bigint | undefined;
    try {
      asInt = parseGoInt(text);
    } catch {
      try {
        asInt = parseGoUint(text);
      } catch {
        asInt = undefined;
      }
    }
    if (asInt !== undefined) return node(Number(asInt), true, true);
    let f: number;
    try {
      f = parseGoFloat(text);
    } catch {
      this.#errorf(`illegal number syntax: ${goQuote(text)}`);
    }
    if (!/[.eEpP]/.test(text) || (/^[+-]?0[xX]/.test(text) && !/[pP]/.test(text))) {
      this.#errorf(`integer overflow: ${goQuote(text)}`);
    }
    return node(f, Number.isInteger(f), true);
  }
}

function isEmptyTree(list: ListNode): boolean {
  return list.nodes.every((n) => n.type === "text" && n.text.trim() === "");
}
