/**
 * The executor of Go's text/template (text/template/exec.go) over JSON-like values (see
 * go-print.ts for the value model). `undefined` plays Go's invalid reflect.Value: a missing
 * map key, printed `<no value>` by an action.
 */

import { goQuote } from "../../../lib/go-quote.ts";
import { formatGoValue, goTypeName, isGoStruct } from "../go-print.ts";
import { BUILTIN_FUNCS, isTrue, mapZeroValue, type ParamType, type TemplateFunction } from "./funcs.ts";
import type {
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  PipeNode,
  RangeNode,
  VariableNode,
} from "./nodes.ts";
import { nodeString } from "./nodes.ts";
import { TemplateError } from "./template-error.ts";

/** What a missing map key yields: `<no value>` (Go's default), the zero value, or an error. */
export type MissingKey = "default" | "zero" | "error";

export interface ExecContext {
  parseName: string;
  text: string;
  trees: Map<string, ListNode>;
  funcs: Map<string, TemplateFunction>;
  missingKey: MissingKey;
}

const MISSING: unique symbol = Symbol("missing final argument");
type Final = unknown | typeof MISSING;

class BreakSignal {}
class ContinueSignal {}
const MAX_DEPTH = 10000;

const GO_PARAM: Record<ParamType, string> = {
  any: "interface {}",
  string: "string",
  int: "int",
  bool: "bool",
};

export function execute(ctx: ExecContext, name: string, data: unknown): string {
  const tree = ctx.trees.get(name);
  const state: State = new State(ctx, name, data);
  if (!tree) state.errorf(`${goQuote(name)} is an incomplete or empty template`);
  try {
    state.walk(data, tree);
  } catch (err) {
    if (err instanceof TemplateError) err.output = state.out.join("");
    throw err;
  }
  return state.out.join("");
}

interface Variable {
  name: string;
  value: unknown;
}

class State {
  out: string[] = [];
  #ctx: ExecContext;
  #name: string;
  #node: Node | null = null;
  #vars: Variable[];
  #depth = 0;

  constructor(ctx: ExecContext, name: string, data: unknown) {
    this.#ctx = ctx;
    this.#name = name;
    this.#vars = [{ name: "$", value: data }];
  }

  errorf(msg: string): never {
    const name = this.#name;
    if (!this.#node) throw new TemplateError(`template: ${name}: ${msg}`);
    const before = this.#ctx.text.slice(0, this.#node.pos);
    const nl = before.lastIndexOf("\n");
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = Buffer.byteLength(before.slice(nl + 1)); // Go counts bytes
    const location = `${this.#ctx.parseName}:${line}:${col}`;
    throw new TemplateError(
      `template: ${location}: executing ${goQuote(name)} at <${nodeString(this.#node)}>: ${msg}`,
    );
  }

  #at(node: Node): void {
    this.#node = node;
  }

  #varValue(name: string): unknown {
    for (let i = this.#vars.length - 1; i >= 0; i--)
      if (this.#vars[i].name === name) return this.#vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  #setVar(name: string, value: unknown): void {
    for (let i = this.#vars.length - 1; i >= 0; i--) {
      if (this.#vars[i].name === name) {
        this.#vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  walk(dot: unknown, node: Node): void {
    this.#at(node);
    switch (node.type) {
      case "action": {
        // Variables declared here persist until the enclosing {{end}}; a declaration prints nothing.
        const val = this.#evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.#printValue(node, val);
        return;
      }
      case "if":
      case "with": {
        const mark = this.#vars.length;
        const val = this.#evalPipeline(dot, node.pipe);
        if (isTrue(val)) this.walk(node.type === "with" ? val : dot, node.list);
        else if (node.elseList) this.walk(dot, node.elseList);
        this.#vars.length = mark;
        return;
      }
      case "list":
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case "range":
        this.#walkRange(dot, node);
        return;
      case "template": {
        const tree = this.#ctx.trees.get(node.name);
        if (!tree) this.errorf(`template ${goQuote(node.name)} not defined`);
        if (this.#depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
        const newDot = node.pipe ? this.#evalPipeline(dot, node.pipe) : undefined;
        const saved = { vars: this.#vars, name: this.#name };
        this.#vars = [{ name: "$", value: newDot }]; // no dynamic scoping
        this.#name = node.name;
        this.#depth++;
        try {
          this.walk(newDot, tree);
        } finally {
          this.#depth--;
          this.#vars = saved.vars;
          this.#name = saved.name;
        }
        return;
      }
      case "text":
        this.out.push(node.text);
        return;
      case "break":
        throw new BreakSignal();
      case "continue":
        throw new ContinueSignal();
    }
    this.errorf(`unknown node: ${nodeString(node)}`);
  }

  #walkRange(dot: unknown, r: RangeNode): void {
    this.#at(r);
    const mark0 = this.#vars.length;
    const val = this.#evalPipeline(dot, r.pipe);
    const mark = this.#vars.length;
    const decl = r.pipe.decl.length;
    // Returns false when {{break}} ended the loop.
    const oneIteration = (index: unknown, elem: unknown): boolean => {
      if (decl > 0) this.#vars[this.#vars.length - 1].value = elem;
      if (decl > 1) this.#vars[this.#vars.length - 2].value = index;
      try {
        this.walk(elem, r.list);
      } catch (e) {
        if (e instanceof BreakSignal) return false;
        if (!(e instanceof ContinueSignal)) throw e;
      } finally {
        this.#vars.length = mark;
      }
      return true;
    };
    let ran = false;
    try {
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (!oneIteration(i, val[i] ?? null)) break;
        }
      } else if (typeof val === "number" && Number.isInteger(val)) {
        if (decl > 1) this.errorf(`can't use ${val} to iterate over more than one variable`);
        for (let i = 0; i < val; i++) {
          ran = true;
          if (!oneIteration(undefined, i)) break;
        }
      } else if (val !== null && val !== undefined && typeof val === "object" && !isGoStruct(val)) {
        const m = val as Record<string, unknown>;
        for (const key of Object.keys(m).sort()) {
          if (m[key] === undefined) continue;
          ran = true;
          if (!oneIteration(key, m[key])) break;
        }
      } else if (val !== null && val !== undefined) {
        this.errorf(`range can't iterate over ${formatGoValue(val)}`);
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.#vars.length = mark0;
    }
  }

  #evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.#at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.#evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.#setVar(v.ident[0], value);
      else this.#vars.push({ name: v.ident[0], value });
    }
    return value;
  }

  #notAFunction(args: Node[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  #evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.type) {
      case "field":
        return this.#evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.#evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.#evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.#notAFunction(cmd.args, final);
        return this.#evalPipeline(dot, first);
      case "variable":
        return this.#evalVariableNode(dot, first, cmd.args, final);
    }
    this.#at(first);
    this.#notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.errorf("nil is not a command");
        break;
      case "number":
        return first.value;
      case "string":
        return first.text;
    }
    this.errorf(`can't evaluate command ${goQuote(nodeString(first))}`);
  }

  #evalFieldNode(dot: unknown, field: FieldNode, args: Node[] | null, final: Final): unknown {
    this.#at(field);
    return this.#evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  #evalChainNode(dot: unknown, chain: ChainNode, args: Node[] | null, final: Final): unknown {
    this.#at(chain);
    if (chain.node.type === "nil") this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.#evalArg(dot, null, chain.node);
    return this.#evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  #evalVariableNode(dot: unknown, v: VariableNode, args: Node[] | null, final: Final): unknown {
    this.#at(v);
    const value = this.#varValue(v.ident[0]);
    if (v.ident.length === 1) {
      if (args) this.#notAFunction(args, final);
      return value;
    }
    return this.#evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  #evalFieldChain(
    dot: unknown,
    receiver: unknown,
    node: Node,
    ident: string[],
    args: Node[] | null,
    final: Final,
  ): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.#evalField(dot, ident[i], node, null, MISSING, receiver);
    return this.#evalField(dot, ident[n - 1], node, args, final, receiver);
  }

  #evalField(
    dot: unknown,
    fieldName: string,
    node: Node,
    args: Node[] | null,
    final: Final,
    receiver: unknown,
  ): unknown {
    if (receiver === undefined) {
      if (this.#ctx.missingKey === "error") this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (typeof receiver === "object" && !Array.isArray(receiver)) {
      const obj = receiver as Record<string, unknown>;
      const has = hasField(obj, fieldName);
      const value = has ? obj[fieldName] : undefined;
      if (typeof value === "function") {
        const method: TemplateFunction = { params: [], variadic: "any", fn: value.bind(obj) as never };
        return this.#evalCall(dot, method, node, fieldName, args, final);
      }
      const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
      if (isGoStruct(obj)) {
        if (has) {
          if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
          return value;
        }
        this.errorf(`can't evaluate field ${fieldName} in type ${goTypeName(obj)}`);
      }
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (value !== undefined) return value;
      switch (this.#ctx.missingKey) {
        case "zero":
          return mapZeroValue(obj);
        case "error":
          this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      }
      return undefined;
    }
    this.errorf(`can't evaluate field ${fieldName} in type interface {}`);
  }

  #evalFunction(dot: unknown, node: IdentifierNode, cmd: Node, args: Node[] | null, final: Final): unknown {
    this.#at(node);
    const fn = this.#ctx.funcs.get(node.name);
    if (!fn) this.errorf(`${goQuote(node.name)} is not a defined function`);
    return this.#evalCall(dot, fn, cmd, node.name, args, final);
  }

  #evalCall(
    dot: unknown,
    fn: TemplateFunction,
    node: Node,
    name: string,
    args: Node[] | null,
    final: Final,
  ): unknown {
    const argNodes = args ? args.slice(1) : [];
    const numIn = argNodes.length + (final !== MISSING ? 1 : 0);
    const numFixed = fn.params.length;
    if (fn.variadic !== undefined) {
      if (numIn < numFixed)
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${argNodes.length}`);
    } else if (numIn !== numFixed)
      this.errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);

    if ((name === "and" || name === "or") && fn === BUILTIN_FUNCS[name]) {
      // Short-circuit: return the first argument that decides, as Go 1.18+ does.
      let v: unknown;
      for (const a of argNodes) {
        v = this.#evalArg(dot, "any", a);
        if (isTrue(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = final ?? null;
      return v;
    }
    const typeOf = (i: number): ParamType => (i < numFixed ? fn.params[i] : (fn.variadic ?? "any"));
    const argv = argNodes.map((a, i) =>
      i === 0 && name === "call" && fn === BUILTIN_FUNCS.call
        ? this.#callee(dot, a, node)
        : this.#evalArg(dot, typeOf(i), a),
    );
    if (final !== MISSING) argv.push(this.#validateType(final, typeOf(numIn - 1)));
    try {
      return (fn.fn as (...a: unknown[]) => unknown)(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      this.#at(node);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** call's first argument: a function-valued field is taken, not invoked as a method would be. */
  #callee(dot: unknown, n: Node, callNode: Node): unknown {
    let callee: unknown;
    if (n.type === "field") {
      this.#at(n);
      let receiver = dot;
      for (const f of n.ident.slice(0, -1)) receiver = this.#evalField(dot, f, n, null, MISSING, receiver);
      const last = n.ident[n.ident.length - 1];
      const obj = receiver as Record<string, unknown>;
      callee =
        typeof receiver === "object" && receiver !== null && hasField(obj, last)
          ? obj[last]
          : this.#evalField(dot, last, n, null, MISSING, receiver);
    } else callee = this.#evalArg(dot, "any", n);
    if (typeof callee !== "function") {
      // Go names the callee: "non-function .s of type string".
      this.#at(callNode);
      this.errorf(`error calling call: non-function ${nodeString(n)} of type ${goTypeName(callee)}`);
    }
    return callee;
  }

  #validateType(value: unknown, type: ParamType | null): unknown {
    if (type === null) return value;
    if (value === undefined) {
      if (type === "any") return null;
      this.errorf(`invalid value; expected ${GO_PARAM[type]}`);
    }
    if (type === "any") return value;
    const ok =
      (type === "string" && typeof value === "string") ||
      (type === "bool" && typeof value === "boolean") ||
      (type === "int" && typeof value === "number" && Number.isInteger(value));
    if (!ok) {
      const got = value === null ? "interface {}" : goTypeName(value);
      this.errorf(`wrong type for value; expected ${GO_PARAM[type]}; got ${got}`);
    }
    return value;
  }

  /** Evaluates an argument; `type` null keeps the value as is (Go's untyped evalArg). */
  #evalArg(dot: unknown, type: ParamType | null, n: Node): unknown {
    this.#at(n);
    switch (n.type) {
      case "dot":
        return this.#validateType(dot, type);
      case "nil":
        if (type === null || type === "any") return null;
        this.errorf(`cannot assign nil to ${GO_PARAM[type]}`);
        break;
      case "field":
        return this.#validateType(this.#evalFieldNode(dot, n, [n], MISSING), type);
      case "variable":
        return this.#validateType(this.#evalVariableNode(dot, n, null, MISSING), type);
      case "pipe":
        return this.#validateType(this.#evalPipeline(dot, n), type);
      case "identifier":
        return this.#validateType(this.#evalFunction(dot, n, n, null, MISSING), type);
      case "chain":
        return this.#validateType(this.#evalChainNode(dot, n, null, MISSING), type);
    }
    switch (type) {
      case "bool":
        if (n.type === "bool") return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
        break;
      case "string":
        if (n.type === "string") return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
        break;
      case "int":
        if (n.type === "number" && n.isInt) return n.value;
        this.errorf(`expected integer; found ${nodeString(n)}`);
        break;
      default:
        if (n.type === "bool") return n.value;
        if (n.type === "number") return n.value;
        if (n.type === "string") return n.text;
    }
    this.errorf(
      `can't handle ${nodeString(n)} for arg of type ${type === null ? "interface {}" : GO_PARAM[type]}`,
    );
  }

  #printValue(node: Node, v: unknown): void {
    this.#at(node);
    if (v === undefined || v === null) {
      this.out.push("<no value>");
      return;
    }
    if (typeof v === "function") this.errorf(`can't print ${nodeString(node)} of type func`);
    this.out.push(formatGoValue(v));
  }
}

/** Own data and methods of a value, and methods of class instances, never Object.prototype's. */
function hasField(obj: Record<string, unknown>, name: string): boolean {
  if (Object.hasOwn(obj, name)) return true;
  const proto = Object.getPrototypeOf(obj);
  return proto !== null && proto !== Object.prototype && name in obj && !(name in Object.prototype);
}
