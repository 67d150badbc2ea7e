/**
 * Parse-tree nodes of Go's text/template (text/template/parse/node.go). `pos` is the node's
 * index in the template text; nodeString() prints a node the way Go does in error contexts
 * (`executing "" at <index .Labels "x">`).
 */

export type Node =
  | TextNode
  | ActionNode
  | PipeNode
  | CommandNode
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | ListNode
  | IfNode
  | RangeNode
  | WithNode
  | TemplateNode
  | BreakNode
  | ContinueNode
  | EndNode
  | ElseNode;

export interface TextNode {
  type: "text";
  pos: number;
  text: string;
}
export interface ActionNode {
  type: "action";
  pos: number;
  pipe: PipeNode;
}
export interface PipeNode {
  type: "pipe";
  pos: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode {
  type: "command";
  pos: number;
  args: Node[];
}
export interface FieldNode {
  type: "field";
  pos: number;
  ident: string[]; // without the dots
}
export interface VariableNode {
  type: "variable";
  pos: number;
  ident: string[]; // "$x", then field names
}
export interface ChainNode {
  type: "chain";
  pos: number;
  node: Node;
  field: string[];
}
export interface IdentifierNode {
  type: "identifier";
  pos: number;
  name: string;
}
export interface DotNode {
  type: "dot";
  pos: number;
}
export interface NilNode {
  type: "nil";
  pos: number;
}
export interface BoolNode {
  type: "bool";
  pos: number;
  value: boolean;
}
export interface NumberNode {
  type: "number";
  pos: number;
  text: string;
  value: number;
  isInt: boolean; // an integer literal (or a float literal with an integral value)
  isFloat: boolean;
}
export interface StringNode {
  type: "string";
  pos: number;
  quoted: string;
  text: string;
}
export interface ListNode {
  type: "list";
  pos: number;
  nodes: Node[];
}
interface BranchFields {
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface IfNode extends BranchFields {
  type: "if";
}
export interface RangeNode extends BranchFields {
  type: "range";
}
export interface WithNode extends BranchFields {
  type: "with";
}
export interface TemplateNode {
  type: "template";
  pos: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode {
  type: "break";
  pos: number;
}
export interface ContinueNode {
  type: "continue";
  pos: number;
}
export interface EndNode {
  type: "end";
  pos: number;
}
export interface ElseNode {
  type: "else";
  pos: number;
}

export function nodeString(n: Node): string {
  switch (n.type) {
    case "text":
      return JSON.stringify(n.text);
    case "action":
      return `{{${nodeString(n.pipe)}}}`;
    case "pipe": {
      let s = "";
      if (n.decl.length > 0) s = n.decl.map(nodeString).join(", ") + (n.isAssign ? " = " : " := ");
      return s + n.cmds.map(nodeString).join(" | ");
    }
    case "command":
      return n.args.map((a) => (a.type === "pipe" ? `(${nodeString(a)})` : nodeString(a))).join(" ");
    case "field":
      return n.ident.map((i) => `.${i}`).join("");
    case "variable":
      return n.ident.join(".");
    case "chain":
      return (
        (n.node.type === "pipe" ? `(${nodeString(n.node)})` : nodeString(n.node)) +
        n.field.map((f) => `.${f}`).join("")
      );
    case "identifier":
      return n.name;
    case "dot":
      return ".";
    case "nil":
      return "nil";
    case "bool":
      return String(n.value);
    case "number":
      return n.text;
    case "string":
      return n.quoted;
    case "list":
      return n.nodes.map(nodeString).join("");
    case "if":
    case "range":
    case "with": {
      const els = n.elseList ? `{{else}}${nodeString(n.elseList)}` : "";
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case "template":
      return n.pipe
        ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}`
        : `{{template ${JSON.stringify(n.name)}}}`;
    case "break":
      return "{{break}}";
    case "continue":
      return "{{continue}}";
    case "end":
      return "{{end}}";
    case "else":
      return "{{else}}";
  }
}
