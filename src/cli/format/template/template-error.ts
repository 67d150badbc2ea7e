import { KapselError } from "../../../lib/errors.ts";

/**
 * A template that failed to parse or execute. The message is Go's, word for word
 * (`template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"`); docker's
 * commands prefix it with "template parsing error: ", as formatRows() does.
 */
export class TemplateError extends KapselError {
  /** What execution had written before it failed (Go's templates write as they go). */
  output = "";
  constructor(message: string) {
    super("invalid", message);
    this.name = "TemplateError";
  }
}
