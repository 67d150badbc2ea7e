/** Go's net.JoinHostPort: "host:port", with an IPv6 address in brackets ("[::1]:80"). */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
