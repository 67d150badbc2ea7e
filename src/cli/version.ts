import type { SystemVersion } from "../client/index.ts";
import { clientVersion } from "./client-version.ts";
import type { CommandModule } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { tabwrite } from "./format/tabwriter.ts";
import { GoTemplate } from "./format/template/go-template.ts";
import { StatusError } from "./status-error.ts";

/** Docker's default version template, with Node's version in the Go line's place. */
const VERSION_TEMPLATE = `{{with .Client -}}
Client:
 Version:\t{{.Version}}
 API version:\t{{.ApiVersion}}{{if ne .ApiVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Node version:\t{{.GoVersion}}
 Git commit:\t{{.GitCommit}}
 Built:\t{{.BuildTime}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- with .Server}}

Server:{{with .Platform}}{{if .Name}} {{.Name}}{{end}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
{{- end}}`;

const getDetailsOrder = (c: { Details?: Record<string, string> }) => Object.keys(c.Details ?? {}).sort();

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Docker's reformatDate: an RFC 3339 build time as Go's time.ANSIC, in its own zone; else as is. */
export function reformatDate(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return value;
  const [, y, mo, d, h, mi, sec] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay();
  return `${DAYS[day]} ${MONTHS[Number(mo) - 1]} ${String(Number(d)).padStart(2, " ")} ${h}:${mi}:${sec} ${y}`;
}

/** Go marshals map keys sorted; the daemon's Details are a map. */
function sortedDetails(details: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!details) return details;
  return Object.fromEntries(
    Object.keys(details)
      .sort()
      .map((k) => [k, details[k]]),
  );
}

/** Docker adds an Engine component when the daemon lists none. */
export function withEngineComponent(sv: SystemVersion): SystemVersion {
  if (sv.Components?.some((c) => c.Name === "Engine")) {
    return {
      ...sv,
      Components: sv.Components.map((c) => {
        const details = sortedDetails(c.Details);
        if (c.Name === "Engine" && details?.BuildTime) details.BuildTime = reformatDate(details.BuildTime);
        return { ...c, Details: details };
      }),
    };
  }
  return {
    ...sv,
    Components: [
      ...(sv.Components ?? []),
      {
        Name: "Engine",
        Version: sv.Version,
        Details: sortedDetails({
          ApiVersion: sv.ApiVersion,
          MinAPIVersion: sv.MinAPIVersion ?? "",
          GitCommit: sv.GitCommit,
          GoVersion: sv.GoVersion,
          Os: sv.Os,
          Arch: sv.Arch,
          BuildTime: reformatDate(sv.BuildTime ?? ""),
          Experimental: String(sv.Experimental ?? false),
        }),
      },
    ],
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Show the kapsel version information",
  flags: [{ name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP }],
  args: { kind: "none" },
  async run(ctx) {
    const format = str(ctx.flags, "format");
    const text = format === "" ? VERSION_TEMPLATE : format === "json" ? "{{json .}}" : format;
    let tmpl: GoTemplate;
    try {
      tmpl = GoTemplate.parse(text, { name: "version", funcs: { getDetailsOrder } });
    } catch (err) {
      throw new StatusError(64, `template parsing error: ${(err as Error).message}`);
    }
    const data: { Client: unknown; Server: SystemVersion | null } = {
      Client: await clientVersion(),
      Server: null,
    };
    let serverError: unknown;
    try {
      data.Server = withEngineComponent(await ctx.client().system.version());
    } catch (err) {
      serverError = err;
    }
    let out: string;
    try {
      out = tmpl.execute(data);
    } catch (err) {
      ctx.stdio.stdout.write(tabwrite("\n", { minWidth: 20, tabWidth: 1, padding: 1, padChar: " " }));
      throw serverError ?? err;
    }
    // tabwriter.NewWriter(out, 20, 1, 1, ' ', 0), as docker's prettyPrintVersion
    ctx.stdio.stdout.write(tabwrite(`${out}\n`, { minWidth: 20, tabWidth: 1, padding: 1, padChar: " " }));
    if (serverError) throw serverError;
    return 0;
  },
};
