/**
 * Go's time.Time.String() for the CreatedAt columns: "2024-01-02 15:04:05 +0000 UTC". ICU's
 * formatters cost ~15 ms to set up, so they are made once per zone and only when a row's
 * CreatedAt is actually printed.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, make: () => Intl.DateTimeFormat): Intl.DateTimeFormat {
  let f = formatters.get(key);
  if (!f) {
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/**
 * Go's time.Time.String() in a zone: "2024-01-02 15:04:05 +0000 UTC" (fractional seconds when
 * not whole). timeZone is an IANA name; the host's zone by default.
 */
export function goTimeString(ms: number, timeZone?: string): string {
  const date = new Date(ms);
  const parts = formatter(
    `long ${timeZone}`,
    () =>
      new Intl.DateTimeFormat("en-US", {
        timeZone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        timeZoneName: "longOffset",
      }),
  ).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "";
  const off = (get("timeZoneName").replace("GMT", "") || "+00:00").replace(":", ""); // "+0530"
  const frac =
    ms % 1000 === 0 ? "" : `.${String(((ms % 1000) + 1000) % 1000).padStart(3, "0")}`.replace(/0+$/, "");
  const day = `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")}`;
  return `${day}${frac} ${off} ${zoneAbbreviation(date, off, timeZone)}`;
}

/** Go prints tzdata's abbreviation ("UTC", "CET", "PST"), or "+0530"/"+05" where there is none. */
function zoneAbbreviation(date: Date, off: string, timeZone?: string): string {
  const zone = timeZone ?? formatter("default", () => new Intl.DateTimeFormat()).resolvedOptions().timeZone;
  if (zone === "UTC" || zone === "Etc/UTC") return "UTC";
  for (const locale of ["en-US", "en-GB"]) {
    const name = formatter(
      `short ${locale} ${timeZone}`,
      () => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" }),
    )
      .formatToParts(date)
      .find((p) => p.type === "timeZoneName")?.value;
    if (name && /^[A-Z]{2,5}$/.test(name) && !(name === "GMT" && off !== "+0000")) return name;
  }
  return off.endsWith("00") ? off.slice(0, -2) : off;
}
