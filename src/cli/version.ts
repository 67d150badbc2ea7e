import type { ComponentVersion, SystemVersion } from "../client/index.ts";
import { clientVersion, clientVersionStruct } from "./client-version.ts";
import type { CommandModule } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { omitEmpty } from "./format/go-json.ts";
import { goStruct, goTypedStruct } from "./format/go-print.ts";
import { tabwrite } from "./format/tabwriter.ts";
import { GoTemplate } from "./format/template/go-template.ts";
import { TemplateError } from "./format/template/template-error.ts";
import { StatusError } from "./status-error.ts";

/** Docker's default version template, with Node's version in the Go line's place. */
const VERSION_TEMPLATE = `{{with .Client -}}
Client:
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
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

function componentJson(c: ComponentVersion) {
  return { Name: c.Name, Version: c.Version, ...omitEmpty({ Details: c.Details }) };
}

function componentStruct(c: ComponentVersion) {
  const fields = { Name: c.Name, Version: c.Version, Details: c.Details ?? null };
  return goTypedStruct(fields, "types.ComponentVersion", () => componentJson(c));
}

/** moby's types.Version: the daemon's JSON names ("ApiVersion") are the json tags of Go fields. */
function serverStruct(sv: SystemVersion) {
  const platform = sv.Platform ?? { Name: "" };
  const components = sv.Components ?? [];
  return goTypedStruct(
    {
      Platform: goStruct({ Name: platform.Name }, "struct { Name string }"),
      Components: components.map(componentStruct),
      Version: sv.Version,
      APIVersion: sv.ApiVersion,
      MinAPIVersion: sv.MinAPIVersion ?? "",
      GitCommit: sv.GitCommit,
      GoVersion: sv.GoVersion,
      Os: sv.Os,
      Arch: sv.Arch,
      KernelVersion: sv.KernelVersion ?? "",
      Experimental: sv.Experimental ?? false,
      BuildTime: sv.BuildTime ?? "",
    },
    "*types.Version",
    () => ({
      Platform: { Name: platform.Name },
      ...omitEmpty({ Components: components.map((c) => componentJson(c)) }),
      Version: sv.Version,
      ApiVersion: sv.ApiVersion,
      ...omitEmpty({ MinAPIVersion: sv.MinAPIVersion }),
      GitCommit: sv.GitCommit,
      GoVersion: sv.GoVersion,
      Os: sv.Os,
      Arch: sv.Arch,
      ...omitEmpty({
        KernelVersion: sv.KernelVersion,
        Experimental: sv.Experimental,
        BuildTime: sv.BuildTime,
      }),
    }),
  );
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
    const data: { Client: unknown; Server: unknown } = {
      Client: clientVersionStruct(await clientVersion()),
      Server: null,
    };
    let serverError: unknown;
    try {
      data.Server = serverStruct(withEngineComponent(await ctx.client().system.version()));
    } catch (err) {
      serverError = err;
    }
    let out: string;
    try {
      out = tmpl.execute(goTypedStruct(data, "system.versionInfo", () => ({ ...data })));
    } catch (err) {
      // docker's template writes into the tabwriter as it goes: what came before the failure
      const partial = err instanceof TemplateError ? err.output : "";
      ctx.stdio.stdout.write(
        tabwrite(`${partial}\n`, { minWidth: 20, tabWidth: 1, padding: 1, padChar: " " }),
      );
      throw serverError ?? err;
    }
    // tabwriter.NewWriter(out, 20, 1, 1, ' ', 0), as docker's prettyPrintVersion
    ctx.stdio.stdout.write(tabwrite(`${out}\n`, { minWidth: 20, tabWidth: 1, padding: 1, padChar: " " }));
    if (serverError) throw serverError;
    return 0;
  },
};
