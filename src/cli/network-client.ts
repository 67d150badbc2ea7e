import { API_VERSION, type EngineClient, type FilterArgs } from "../client/index.ts";
import { filtersParam, Transport } from "../client/transport.ts";

/**
 * The Engine API's /networks calls for the network commands. It rides on the command's client
 * address with a transport of its own (the shared client has no networks part yet; this file
 * is its natural first draft). Call close() when done.
 */

export interface NetworkSummary {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4?: boolean;
  EnableIPv6: boolean;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  Labels: Record<string, string> | null;
  Options?: Record<string, string> | null;
}

export interface IpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

export interface NetworkCreateBody {
  Name: string;
  Driver?: string;
  Options?: Record<string, string>;
  IPAM?: { Driver?: string; Config?: IpamConfig[]; Options?: Record<string, string> };
  Internal?: boolean;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  Scope?: string;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network: string };
  Labels?: Record<string, string>;
}

export interface EndpointRequest {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] };
  Links?: string[];
  Aliases?: string[];
  DriverOpts?: Record<string, string>;
  GwPriority?: number;
}

export interface NetworksApi {
  list(filters?: FilterArgs): Promise<NetworkSummary[]>;
  inspectRaw(id: string, o?: { verbose?: boolean }): Promise<{ value: unknown; raw: string }>;
  create(body: NetworkCreateBody): Promise<{ Id: string; Warning?: string }>;
  remove(id: string): Promise<void>;
  prune(filters?: FilterArgs): Promise<{ NetworksDeleted: string[] | null }>;
  connect(id: string, container: string, endpoint: EndpointRequest): Promise<void>;
  disconnect(id: string, container: string, force: boolean): Promise<void>;
  close(): void;
}

const enc = encodeURIComponent;

export function networksApi(client: EngineClient): NetworksApi {
  const t = new Transport(client.address, API_VERSION);
  return {
    list: (filters) =>
      t.json<NetworkSummary[]>({
        method: "GET",
        path: "/networks",
        query: { filters: filtersParam(filters) },
      }),
    inspectRaw: (id, o = {}) =>
      t.jsonWithRaw({ method: "GET", path: `/networks/${enc(id)}`, query: { verbose: o.verbose } }),
    create: (body) => t.json({ method: "POST", path: "/networks/create", body }),
    remove: (id) => t.call({ method: "DELETE", path: `/networks/${enc(id)}` }),
    prune: (filters) =>
      t.json({ method: "POST", path: "/networks/prune", query: { filters: filtersParam(filters) } }),
    connect: (id, container, endpoint) =>
      t.call({
        method: "POST",
        path: `/networks/${enc(id)}/connect`,
        body: { Container: container, EndpointConfig: endpoint },
      }),
    disconnect: (id, container, force) =>
      t.call({
        method: "POST",
        path: `/networks/${enc(id)}/disconnect`,
        body: { Container: container, Force: force },
      }),
    close: () => t.close(),
  };
}
