/**
 * Docker's output formatting for kapsel's CLI (pure logic): a Go text/template engine for
 * --format with docker's functions (GoTemplate), Go's printing of values (maps as map[k:v],
 * %v, Sprintf), table rendering with docker's tabwriter (formatRows), and the human columns
 * of `docker ps`/`images` (durations, sizes, IDs, ports, commands, status).
 *
 *   formatRows("table {{.ID}}\t{{.Names}}", rows, { header: CONTAINER_HEADERS })
 *
 * Data are JSON-like values; objects marked with goStruct() behave as Go structs (unknown
 * fields fail as docker's formatter contexts do), their function properties as methods.
 */

export { goQuote, goQuoteRune, goUnquote } from "../../lib/go-quote.ts";
export { parseGoBool, parseGoFloat, parseGoInt, parseGoUint, StrconvError } from "../../lib/go-strconv.ts";
export { humanDuration } from "../../lib/human-duration.ts";
export {
  CONTAINER_HEADERS,
  type ContainerRowOptions,
  type ContainerSummary,
  containerCommand,
  containerImage,
  containerNames,
  containerRow,
  containerSize,
  containerStatus,
  DEFAULT_CONTAINER_TABLE_FORMAT,
  displayablePorts,
  ellipsis,
  familiarName,
  type OciPlatform,
  type PortSummary,
  platformValue,
  type StatusState,
  truncateId,
} from "./container-columns.ts";
export { type FloatFormat, formatFloat } from "./go-float.ts";
export { goJson } from "./go-json.ts";
export {
  formatGoValue,
  GO_TYPE,
  type GoStruct,
  goSprint,
  goSprintf,
  goSprintln,
  goStruct,
  goTypeName,
  isGoStruct,
} from "./go-print.ts";
export { goTimeString } from "./go-time.ts";
export {
  bytesSize,
  customSize,
  humanSize,
  humanSizeWithPrecision,
  timeAgo,
} from "./human-units.ts";
export {
  type FormatRowsOptions,
  formatRows,
  formatTemplateText,
  type HeaderMap,
  headerContext,
  isTableFormat,
  listFormat,
} from "./table-format.ts";
export { DOCKER_TABLE_WRITER, TabWriter, type TabWriterOptions, tabwrite } from "./tabwriter.ts";
export type { MissingKey } from "./template/exec.ts";
export {
  BUILTIN_FUNCS,
  DOCKER_FUNCS,
  type FuncMap,
  HEADER_FUNCS,
  type ParamType,
  type TemplateFunction,
} from "./template/funcs.ts";
export { GoTemplate, type TemplateOptions } from "./template/go-template.ts";
export { TemplateError } from "./template/template-error.ts";
export { eastAsianWidth, stringWidth } from "./text-width.ts";
