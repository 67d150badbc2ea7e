import { createReadStream } from "node:fs";
import { decompressStream } from "../../lib/tar/compression.ts";
import { isTarHeader } from "./context.ts";

/**
 * go-archive's IsArchivePath: the file, once decompressed (gzip, bzip2, xz, zstd), starts
 * with a tar header. An all-zero block (an empty archive) does not count, as in Docker. ADD
 * unpacks such a file (layer-tar.ts) instead of copying it.
 */
export async function isArchive(path: string): Promise<boolean> {
  let input: NodeJS.ReadableStream | undefined;
  try {
    input = await decompressStream(createReadStream(path));
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= 512) break;
    }
    const head = Buffer.concat(parts);
    return head.length >= 512 && !head.subarray(0, 512).every((b) => b === 0) && isTarHeader(head);
  } catch {
    return false;
  } finally {
    (input as { destroy?: () => void } | undefined)?.destroy?.();
  }
}
