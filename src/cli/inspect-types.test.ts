import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { timeString, typedContainer, typedImage } from "./inspect-types.ts";
import { inspectAll } from "./inspector.ts";
import { StatusError } from "./status-error.ts";
import { memoryStdio } from "./test-support.ts";

// The daemon's JSON for `docker create --name made --label app=web -p 8080:80 -v /data busybox
// echo hi` and for busybox, and what docker CLI 28.2.2 printed for each template (stdout, stderr).
const CONTAINER = {
  Id: "8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c",
  Created: "2026-11-26T05:52:29.759Z",
  Path: "echo",
  Args: ["hi"],
  State: {
    Status: "created",
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: "0001-01-01T00:00:00Z",
    FinishedAt: "0001-01-01T00:00:00Z",
  },
  Image: "sha256:b12324b69d59179e619bcdb95306e97467e3e5ea2b36d29a224fedd16b5aa30d",
  ResolvConfPath:
    "/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/resolv.conf",
  HostnamePath:
    "/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/hostname",
  HostsPath:
    "/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/hosts",
  LogPath:
    "/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c-json.log",
  Name: "/made",
  RestartCount: 0,
  Driver: "overlay2",
  Platform: "linux",
  MountLabel: "",
  ProcessLabel: "",
  AppArmorProfile: "",
  ExecIDs: null,
  HostConfig: {
    Binds: null,
    ContainerIDFile: "",
    LogConfig: { Type: "json-file", Config: {} },
    NetworkMode: "bridge",
    PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] },
    RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: "",
    VolumesFrom: null,
    ConsoleSize: [0, 0],
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: "host",
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: "private",
    Cgroup: "",
    Links: null,
    OomScoreAdj: 0,
    PidMode: "",
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: "",
    UsernsMode: "",
    ShmSize: 67108864,
    Runtime: "runc",
    Isolation: "",
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: "",
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: "",
    CpusetMems: "",
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: -1,
    OomKillDisable: false,
    PidsLimit: 0,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    Init: null,
    MaskedPaths: null,
    ReadonlyPaths: null,
  },
  GraphDriver: {
    Name: "overlay2",
    Data: {
      MergedDir:
        "/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/merged",
      UpperDir:
        "/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/upper",
      WorkDir:
        "/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/work",
    },
  },
  Mounts: [
    {
      Type: "volume",
      Name: "0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546",
      Source:
        "/tmp/kt-HfVCC1/data/volumes/0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546/_data",
      Destination: "/data",
      Driver: "local",
      Mode: "",
      RW: true,
      Propagation: "",
    },
  ],
  Config: {
    Hostname: "8ed6e812f6a9",
    Domainname: "",
    User: "",
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    ExposedPorts: { "80/tcp": {} },
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    Cmd: ["echo", "hi"],
    Image: "busybox",
    Volumes: { "/data": {} },
    WorkingDir: "",
    Entrypoint: null,
    OnBuild: null,
    Labels: { app: "web" },
  },
  NetworkSettings: {
    Bridge: "",
    SandboxID: "",
    SandboxKey: "",
    Ports: {},
    HairpinMode: false,
    LinkLocalIPv6Address: "",
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: "",
    Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    IPAddress: "",
    IPPrefixLen: 0,
    IPv6Gateway: "",
    MacAddress: "",
    Networks: {
      bridge: {
        IPAMConfig: null,
        Links: null,
        Aliases: null,
        MacAddress: "",
        DriverOpts: null,
        GwPriority: 0,
        NetworkID: "",
        EndpointID: "",
        Gateway: "",
        IPAddress: "",
        IPPrefixLen: 0,
        IPv6Gateway: "",
        GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0,
        DNSNames: null,
      },
    },
  },
};
const IMAGE = {
  Id: "sha256:b12324b69d59179e619bcdb95306e97467e3e5ea2b36d29a224fedd16b5aa30d",
  RepoTags: ["busybox:latest"],
  RepoDigests: [],
  Parent: "",
  Comment: "",
  Created: "2024-01-01T00:00:00Z",
  DockerVersion: "",
  Author: "",
  Config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
  Architecture: "amd64",
  Os: "linux",
  Size: 1983180,
  GraphDriver: { Name: "overlay2", Data: null },
  RootFS: {
    Type: "layers",
    Layers: ["sha256:b554a018c852f43fe4eb63a38b7ccfe3b17c4fa10f7c30a28535d8cd9c637229"],
  },
  Metadata: { LastTagTime: "2026-11-26T05:52:29.732Z" },
};

type Case = [template: string, stdout: string, stderr: string];

const CONTAINER_CASES: Case[] = [
  ["{{.HostConfig.Binds}}", "[]\n", ""],
  ["{{.HostConfig.Links}}", "[]\n", ""],
  ["{{.Config.Entrypoint}}", "[]\n", ""],
  ["{{.Config.OnBuild}}", "[]\n", ""],
  ["{{.State.Health}}", "<nil>\n", ""],
  ["{{.Config.ExposedPorts}}", "map[80/tcp:{}]\n", ""],
  ["{{.HostConfig.RestartPolicy}}", "{no 0}\n", ""],
  ["{{.HostConfig.LogConfig}}", "{json-file map[]}\n", ""],
  [
    "{{.State}}",
    "{created false false false false false 0 0  0001-01-01T00:00:00Z 0001-01-01T00:00:00Z <nil>}\n",
    "",
  ],
  ["{{.Config.Volumes}}", "map[/data:{}]\n", ""],
  ["{{.NetworkSettings.Ports}}", "map[]\n", ""],
  ["{{.Config.Labels}}", "map[app:web]\n", ""],
  ["{{.HostConfig.Dns}}", "[]\n", ""],
  [
    "{{.Mounts}}",
    "[{volume 0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546 /tmp/kt-HfVCC1/data/volumes/0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546/_data /data local  true }]\n",
    "",
  ],
  ["{{json .Config.Volumes}}", '{"/data":{}}\n', ""],
  ["{{.Args}}", "[hi]\n", ""],
  ["{{.HostConfig.PortBindings}}", "map[80/tcp:[{ 8080}]]\n", ""],
  ["{{.State.Status}}", "created\n", ""],
  [
    "{{json .}}",
    '{"Id":"8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c","Created":"2026-11-26T05:52:29.759Z","Path":"echo","Args":["hi"],"State":{"Status":"created","Running":false,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"","StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"},"Image":"sha256:b12324b69d59179e619bcdb95306e97467e3e5ea2b36d29a224fedd16b5aa30d","ResolvConfPath":"/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/resolv.conf","HostnamePath":"/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/hostname","HostsPath":"/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/hosts","LogPath":"/tmp/kt-HfVCC1/data/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c-json.log","Name":"/made","RestartCount":0,"Driver":"overlay2","Platform":"linux","MountLabel":"","ProcessLabel":"","AppArmorProfile":"","ExecIDs":null,"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{}},"NetworkMode":"bridge","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"host","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"private","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":67108864,"Runtime":"runc","Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null},"GraphDriver":{"Data":{"MergedDir":"/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/merged","UpperDir":"/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/upper","WorkDir":"/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/work"},"Name":"overlay2"},"Mounts":[{"Type":"volume","Name":"0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546","Source":"/tmp/kt-HfVCC1/data/volumes/0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546/_data","Destination":"/data","Driver":"local","Mode":"","RW":true,"Propagation":""}],"Config":{"Hostname":"8ed6e812f6a9","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["echo","hi"],"Image":"busybox","Volumes":{"/data":{}},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{"app":"web"}},"NetworkSettings":{"Bridge":"","SandboxID":"","SandboxKey":"","Ports":{},"HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"","Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","MacAddress":"","Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}\n',
    "",
  ],
  ["{{range $k,$v := .Config.Labels}}{{$k}}={{$v}};{{end}}", "app=web;\n", ""],
  [
    "{{range $k,$v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}} {{$v.Aliases}} {{$v.IPAMConfig}};{{end}}",
    "bridge  [] <nil>;\n",
    "",
  ],
  ['{{index .Config.Labels "app"}}', "web\n", ""],
  ['{{index .Config.Labels "nope"}}', "\n", ""],
  [
    "{{.Nope}}",
    "\n",
    'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
  ],
  [
    "{{.State.Health.Status}}",
    "\n",
    'template parsing error: template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"',
  ],
  [
    "{{json .HostConfig}}",
    '{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"json-file","Config":{}},"NetworkMode":"bridge","PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":null,"CapDrop":null,"CgroupnsMode":"host","Dns":[],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":null,"GroupAdd":null,"IpcMode":"private","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":false,"SecurityOpt":null,"UTSMode":"","UsernsMode":"","ShmSize":67108864,"Runtime":"runc","Isolation":"","CpuShares":0,"Memory":0,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"MaskedPaths":null,"ReadonlyPaths":null}\n',
    "",
  ],
  [
    "{{json .Config}}",
    '{"Hostname":"8ed6e812f6a9","Domainname":"","User":"","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["echo","hi"],"Image":"busybox","Volumes":{"/data":{}},"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":{"app":"web"}}\n',
    "",
  ],
  [
    "{{json .NetworkSettings}}",
    '{"Bridge":"","SandboxID":"","SandboxKey":"","Ports":{},"HairpinMode":false,"LinkLocalIPv6Address":"","LinkLocalIPv6PrefixLen":0,"SecondaryIPAddresses":null,"SecondaryIPv6Addresses":null,"EndpointID":"","Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","MacAddress":"","Networks":{"bridge":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}\n',
    "",
  ],
  [
    "{{json .State}}",
    '{"Status":"created","Running":false,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"","StartedAt":"0001-01-01T00:00:00Z","FinishedAt":"0001-01-01T00:00:00Z"}\n',
    "",
  ],
  [
    "{{.GraphDriver}}",
    "{map[MergedDir:/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/merged UpperDir:/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/upper WorkDir:/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/work] overlay2}\n",
    "",
  ],
  [
    "{{.GraphDriver.Data}}",
    "map[MergedDir:/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/merged UpperDir:/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/upper WorkDir:/tmp/kt-HfVCC1/data/storage/containers/8ed6e812f6a933106ba702cfc2e85c026a80aa415cca824a07c226775e862f2c/work]\n",
    "",
  ],
  ["{{len .Mounts}}", "1\n", ""],
  [
    "{{.HostConfig.ConsoleSize}} {{.HostConfig.CpuShares}} {{.HostConfig.CPUShares}} {{.HostConfig.Memory}}",
    "\n",
    'template parsing error: template: :1:67: executing "" at <.HostConfig.CPUShares>: map has no entry for key "CPUShares"',
  ],
  ["{{.NetworkSettings.NetworkSettingsBase}}", "{   map[] false  0 [] []}\n", ""],
  ["{{.SizeRw}}", "<nil>\n", ""],
  ["{{.Config.Healthcheck}}", "<nil>\n", ""],
  ["{{.HostConfig.PidsLimit}} {{.HostConfig.Init}}", "0 <nil>\n", ""],
  ["{{.Config.Labels.nope}}", "<no value>\n", ""],
  [
    "{{.Config.Cmd}} {{.Config.Env}}",
    "[echo hi] [PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin]\n",
    "",
  ],
  [
    "{{json .Mounts}}",
    '[{"Type":"volume","Name":"0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546","Source":"/tmp/kt-HfVCC1/data/volumes/0bff10b19b6c67b69714dee543b225a60c978dff2c7ab65f5f2921c48fe4a546/_data","Destination":"/data","Driver":"local","Mode":"","RW":true,"Propagation":""}]\n',
    "",
  ],
  ["{{.ImageManifestDescriptor}}", "<nil>\n", ""],
  ["{{.HostConfig.Mounts}}", "[]\n", ""],
  ["{{.HostConfig.DeviceRequests}}", "[]\n", ""],
  ["{{.Platform}} {{.Driver}} {{.ExecIDs}}", "linux overlay2 []\n", ""],
  ["{{.HostConfig.Tmpfs}} {{.HostConfig.Annotations}}", "map[] map[]\n", ""],
  ["{{.NetworkSettings.SecondaryIPAddresses}}", "[]\n", ""],
  ["{{if .State.Health}}y{{else}}n{{end}} {{len .Config.Labels}}", "n 1\n", ""],
];

const IMAGE_CASES: Case[] = [
  ["{{.Config.Volumes}}", "map[]\n", ""],
  ["{{.Config.Entrypoint}}", "[]\n", ""],
  ["{{.Config.OnBuild}}", "[]\n", ""],
  ["{{.ContainerConfig}}", "<nil>\n", ""],
  ["{{.Config.ExposedPorts}}", "map[]\n", ""],
  ["{{.RootFS}}", "{layers [sha256:b554a018c852f43fe4eb63a38b7ccfe3b17c4fa10f7c30a28535d8cd9c637229]}\n", ""],
  ["{{.Metadata}}", "{2026-11-26 05:52:29.732 +0000 UTC}\n", ""],
  ["{{.GraphDriver.Data}}", "map[]\n", ""],
  [
    "{{json .}}",
    '{"Id":"sha256:b12324b69d59179e619bcdb95306e97467e3e5ea2b36d29a224fedd16b5aa30d","RepoTags":["busybox:latest"],"RepoDigests":[],"Parent":"","Comment":"","Created":"2024-01-01T00:00:00Z","DockerVersion":"","Author":"","Config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"Architecture":"amd64","Os":"linux","Size":1983180,"GraphDriver":{"Data":null,"Name":"overlay2"},"RootFS":{"Type":"layers","Layers":["sha256:b554a018c852f43fe4eb63a38b7ccfe3b17c4fa10f7c30a28535d8cd9c637229"]},"Metadata":{"LastTagTime":"2026-11-26T05:52:29.732Z"}}\n',
    "",
  ],
  [
    "{{json .Config}}",
    '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]}\n',
    "",
  ],
  [
    "{{.Config}}",
    "{{ map[] [PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin] [] [sh] map[]  map[]  false} {<nil> [] []}}\n",
    "",
  ],
  ["{{json .Metadata}}", '{"LastTagTime":"2026-11-26T05:52:29.732Z"}\n', ""],
  [
    "{{.Config.Cmd}} {{.Config.Env}} {{.Config.Labels}}",
    "[sh] [PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin] map[]\n",
    "",
  ],
  [
    "{{.Nope}}",
    "\n",
    'template parsing error: template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
  ],
  [
    "{{.Config.Hostname}}",
    "\n",
    'template parsing error: template: :1:9: executing "" at <.Config.Hostname>: map has no entry for key "Hostname"',
  ],
  ["{{.Descriptor}}", "<nil>\n", ""],
  ["{{.Manifests}}", "[]\n", ""],
  ["{{.RepoTags}} {{.RepoDigests}} {{.Size}} {{.VirtualSize}}", "[busybox:latest] [] 1983180 0\n", ""],
  ["{{.Container}} {{.DockerVersion}}", " \n", ""],
  ["{{.Config.User}}|{{.Config.WorkingDir}}", "|\n", ""],
];

async function run(
  template: string,
  json: unknown,
  typed: (v: unknown) => unknown,
): Promise<[string, string]> {
  const stdio = memoryStdio();
  let err = "";
  try {
    await inspectAll(
      ["x"],
      template,
      async () => ({ value: json, raw: JSON.stringify(json), typed: typed(json) }),
      stdio,
    );
  } catch (e) {
    assert.ok(e instanceof StatusError && e.status === 1, String(e));
    err = e.message;
  }
  return [stdio.out(), err];
}

describe("inspect templates over the typed Go values print what docker prints", () => {
  for (const [kind, json, typed, list] of [
    ["container", CONTAINER, typedContainer, CONTAINER_CASES],
    ["image", IMAGE, typedImage, IMAGE_CASES],
  ] as const) {
    for (const [template, stdout, stderr] of list) {
      test(`${kind} ${template}`, async () => {
        assert.deepEqual(await run(template, json, typed), [stdout, stderr]);
      });
    }
  }

  test("after a fallback the template keeps missingkey=error (Go's Option changes it)", async () => {
    const stdio = memoryStdio();
    const objs = [{ A: 1 }, CONTAINER];
    let i = 0;
    await assert.rejects(
      inspectAll(
        ["a", "b"],
        "{{.Config.Labels.nope}}",
        async () => {
          const json = objs[i++];
          return { value: json, raw: JSON.stringify(json), typed: typedContainer(json) };
        },
        stdio,
      ),
      /map has no entry for key "Config"\n.*map has no entry for key "nope"/,
    );
  });
});

describe("Go's String() of times and durations", () => {
  test("time.Time", () => {
    assert.equal(timeString("0001-01-01T00:00:00Z"), "0001-01-01 00:00:00 +0000 UTC");
    assert.equal(timeString("2026-11-26T05:49:39.440123Z"), "2026-11-26 05:49:39.440123 +0000 UTC");
    assert.equal(timeString("2026-11-26T05:49:39.50+01:00"), "2026-11-26 05:49:39.5 +0100 +0100");
  });
  test("a healthcheck's durations print and marshal as Go's", async () => {
    const json = {
      ...CONTAINER,
      Config: { Healthcheck: { Test: ["CMD", "true"], Interval: 1e9, Retries: 3 } },
    };
    assert.deepEqual(
      await run("{{.Config.Healthcheck}} {{json .Config.Healthcheck}}", json, typedContainer),
      ['{[CMD true] 1s 0s 0s 0s 3} {"Test":["CMD","true"],"Interval":1000000000,"Retries":3}\n', ""],
    );
  });
});
