/**
 * logs: reading a container's output back for `docker logs` and attach-with-logs. conmon
 * writes it (see src/engine/runtime) as a k8s-file log, one line per read of the container's
 * output: `<RFC 3339 time> <stdout|stderr> <F|P> <content>`, P marking pieces of a longer line.
 * This domain reads that file; its path is chosen by the containers domain
 * (TaskCreateOptions.logPath). With a max-size log option conmon starts it anew when it would
 * grow past it, and a follower goes on in the new file; with max-file, the containers domain
 * runs a LogRotator that keeps the older files as Docker's json-file does (<log>.1, .2, ...),
 * and readers take them first.
 */
export { readLogBatches, readLogs } from "./k8s-file-reader.ts";
export { LogRotator } from "./rotation.ts";

export interface LogEntry {
  stream: "stdout" | "stderr";
  /** when conmon read it (ms precision; see `nanos`); shared by entries of one read: don't mutate */
  time: Date;
  /** nanoseconds within the second of `time`, for `docker logs -t` (RFC3339Nano) */
  nanos: number;
  /**
   * The line with its trailing "\n", partial pieces joined. Only a last line the container
   * never finished comes without one. May share memory with other entries: copy to keep.
   */
  data: Buffer;
}

export interface ReadLogsOptions {
  /** keep reading as the log grows, until `signal` aborts or `isRunning()` turns false */
  follow?: boolean;
  /**
   * entries from the first one at or after this time (later ones all pass, as Docker's
   * forwarder: conmon's clock may step back). `nanos`, when given, is the exact time in
   * nanoseconds since the epoch (src/lib/timestamp.ts), compared against the log's own.
   */
  since?: Date & { nanos?: bigint };
  /** entries at or before this time; reading stops at the first later one */
  until?: Date & { nanos?: bigint };
  /** only the last n entries (counted over both streams, before the stream filter, as Docker) */
  tail?: number;
  /** default true */
  stdout?: boolean;
  /** default true */
  stderr?: boolean;
  /**
   * Ends a follow: after one last read to the end (conmon flushes the log before it records
   * the exit, so aborting on exit loses nothing). Also ends a wait for a log not yet created.
   */
  signal?: AbortSignal;
  /** checked whenever a follower wakes; false ends the follow like `signal` */
  isRunning?: () => boolean;
}
