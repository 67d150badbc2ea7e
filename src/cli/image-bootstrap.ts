import type { CommandModule } from "./command.ts";
import { displayProgress } from "./progress.ts";

/**
 * kapsel-only: makes a first image from the host itself, with no registry: `busybox` from
 * Debian's busybox-static, or `debian:<suite>` by debootstrap. Prints the progress lines and
 * the new image's id.
 */
export const command: CommandModule = {
  usage: "busybox|debian:SUITE",
  short: "Build a base image (busybox or debian:SUITE) from the host's packages",
  flags: [],
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const progress = await ctx.client().images.bootstrap(ctx.flags.args[0]);
    let id = "";
    await displayProgress(progress, ctx.stdio.stdout, ctx.stdio.stdout.isTTY === true, (aux) => {
      if (typeof aux.ID === "string") id = aux.ID;
    });
    if (id) ctx.stdio.stdout.write(`${id}\n`);
    return 0;
  },
};
