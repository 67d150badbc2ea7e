import { release } from "node:os";
import { invalid } from "../../lib/errors.ts";
import type { LinuxSeccomp, LinuxSeccompArg } from "./oci-spec.ts";

/**
 * Seccomp profiles in Docker's format (moby/profiles' seccomp.Seccomp: an OCI object whose
 * syscall groups may depend on the architecture, the container's capabilities and the kernel),
 * Docker's default profile, and moby's setupSeccomp, which turns a profile into the OCI object
 * runc applies for one container.
 */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] | null }[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: ProfileSyscall[];
}

interface ProfileSyscall {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: LinuxSeccompArg[] | null;
  comment?: string;
  includes?: ProfileFilter | null;
  excludes?: ProfileFilter | null;
}

interface ProfileFilter {
  arches?: string[];
  caps?: string[];
  minKernel?: string;
}

const ALLOW = "SCMP_ACT_ALLOW";
const words = (s: string) => s.trim().split(/\s+/);
const allow = (names: string, filter?: { includes?: ProfileFilter; excludes?: ProfileFilter }) => ({
  names: words(names),
  action: ALLOW,
  ...filter,
});
const allowArg0 = (name: string, op: string, value: number) => ({
  names: [name],
  action: ALLOW,
  args: [{ index: 0, value, op }],
});

/**
 * Docker's default profile: everything a container's programs ordinarily need, and nothing that
 * reaches past the container (kernel modules, the clock, mounts, new namespaces, kernel keyring
 * administration, ...) unless the capability that guards it was granted. Anything else fails
 * with EPERM.
 */
export const DEFAULT_SECCOMP_PROFILE: SeccompProfile = {
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  archMap: [
    { architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] },
    { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] },
    { architecture: "SCMP_ARCH_MIPS64", subArchitectures: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"] },
    { architecture: "SCMP_ARCH_MIPS64N32", subArchitectures: ["SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"] },
    { architecture: "SCMP_ARCH_MIPSEL64", subArchitectures: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"] },
    { architecture: "SCMP_ARCH_MIPSEL64N32", subArchitectures: ["SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"] },
    { architecture: "SCMP_ARCH_S390X", subArchitectures: ["SCMP_ARCH_S390"] },
    { architecture: "SCMP_ARCH_RISCV64", subArchitectures: null },
    { architecture: "SCMP_ARCH_LOONGARCH64", subArchitectures: null },
  ],
  syscalls: [
    allow(`
      accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
      clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
      clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2
      dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
      epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64
      fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2 fchown fchown32 fchownat
      fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
      fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue futex_time64
      futex_wait futex_waitv futex_wake futimesat getcpu getcwd getdents getdents64 getegid getegid32
      geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid getpgrp
      getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32 getrlimit
      get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday
      getuid getuid32 getxattr getxattrat inotify_add_watch inotify_init inotify_init1
      inotify_rm_watch io_cancel ioctl io_destroy io_getevents io_pgetevents io_pgetevents_time64
      ioprio_get ioprio_set io_setup io_submit ipc kill landlock_add_rule landlock_create_ruleset
      landlock_restrict_self lchown lchown32 lgetxattr link linkat listen listmount listxattr
      listxattrat llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64 madvise
      map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
      mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
      mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget
      msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect
      open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free
      pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease
      pselect6 pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv
      recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages removexattr removexattrat rename
      renameat renameat2 restart_syscall riscv_hwprobe rmdir rseq rt_sigaction rt_sigpending
      rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
      rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam
      sched_get_priority_max sched_get_priority_min sched_getscheduler sched_rr_get_interval
      sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam sched_setscheduler
      sched_yield seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile
      sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32
      setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32
      setresuid setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt
      set_thread_area set_tid_address setuid setuid32 setxattr setxattrat shmat shmctl shmdt shmget
      shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat
      stat64 statfs statfs64 statmount statx symlink symlinkat sync sync_file_range syncfs sysinfo tee
      tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
      timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
      timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat
      uretprobe utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write
      writev`),
    allow("process_vm_readv process_vm_writev ptrace", { includes: { minKernel: "4.8" } }),
    // every socket family but AF_VSOCK (40), which reaches the host
    allowArg0("socket", "SCMP_CMP_LT", 38),
    allowArg0("socket", "SCMP_CMP_EQ", 39),
    allowArg0("socket", "SCMP_CMP_GT", 40),
    // the personalities programs ask for (Linux, 32-bit, UNAME26 and query), not the others
    ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((v) => allowArg0("personality", "SCMP_CMP_EQ", v)),
    allow("sync_file_range2 swapcontext", { includes: { arches: ["ppc64le"] } }),
    allow("arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls", {
      includes: { arches: ["arm", "arm64"] },
    }),
    allow("arch_prctl", { includes: { arches: ["amd64", "x32"] } }),
    allow("modify_ldt", { includes: { arches: ["amd64", "x32", "x86"] } }),
    allow("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", {
      includes: { arches: ["s390", "s390x"] },
    }),
    allow("riscv_flush_icache", { includes: { arches: ["riscv64"] } }),
    allow("open_by_handle_at", { includes: { caps: ["CAP_DAC_READ_SEARCH"] } }),
    allow(
      `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie lsm_get_self_attr
       lsm_list_modules lsm_set_self_attr mount mount_setattr move_mount open_tree perf_event_open
       quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare`,
      { includes: { caps: ["CAP_SYS_ADMIN"] } },
    ),
    // without CAP_SYS_ADMIN: clone, but not into new namespaces; clone3 answers ENOSYS so that
    // libc falls back to clone, whose flags can be checked
    {
      names: ["clone"],
      action: ALLOW,
      args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      excludes: { caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"] },
    },
    {
      names: ["clone"],
      action: ALLOW,
      args: [{ index: 1, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
      includes: { arches: ["s390", "s390x"] },
      excludes: { caps: ["CAP_SYS_ADMIN"] },
    },
    { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38, excludes: { caps: ["CAP_SYS_ADMIN"] } },
    allow("reboot", { includes: { caps: ["CAP_SYS_BOOT"] } }),
    allow("chroot", { includes: { caps: ["CAP_SYS_CHROOT"] } }),
    allow("delete_module init_module finit_module", { includes: { caps: ["CAP_SYS_MODULE"] } }),
    allow("acct", { includes: { caps: ["CAP_SYS_PACCT"] } }),
    allow("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace", {
      includes: { caps: ["CAP_SYS_PTRACE"] },
    }),
    allow("iopl ioperm", { includes: { caps: ["CAP_SYS_RAWIO"] } }),
    allow("settimeofday stime clock_settime clock_settime64", { includes: { caps: ["CAP_SYS_TIME"] } }),
    allow("vhangup", { includes: { caps: ["CAP_SYS_TTY_CONFIG"] } }),
    allow("get_mempolicy mbind set_mempolicy set_mempolicy_home_node", {
      includes: { caps: ["CAP_SYS_NICE"] },
    }),
    allow("syslog", { includes: { caps: ["CAP_SYSLOG"] } }),
    allow("bpf", { includes: { caps: ["CAP_BPF"] } }),
    allow("perf_event_open", { includes: { caps: ["CAP_PERFMON"] } }),
  ],
};

/** Node's process.arch → the names profiles use: Go's, through libseccomp's (moby's goToNative). */
const NATIVE_ARCH: Record<string, { name: string; scmp: string }> = {
  x64: { name: "amd64", scmp: "SCMP_ARCH_X86_64" },
  arm64: { name: "arm64", scmp: "SCMP_ARCH_AARCH64" },
  arm: { name: "arm", scmp: "SCMP_ARCH_ARM" },
  ia32: { name: "x86", scmp: "SCMP_ARCH_X86" },
  ppc64: { name: "ppc64le", scmp: "SCMP_ARCH_PPC64LE" },
  s390x: { name: "s390x", scmp: "SCMP_ARCH_S390X" },
  riscv64: { name: "riscv64", scmp: "SCMP_ARCH_RISCV64" },
  loong64: { name: "loong64", scmp: "SCMP_ARCH_LOONGARCH64" },
};

/**
 * Reads a profile sent with `--security-opt seccomp=<json>` (the docker CLI sends the file's
 * JSON), refusing what setupSeccomp would refuse at start, in moby's words.
 */
export function parseSeccompProfile(json: string): SeccompProfile {
  let profile: SeccompProfile;
  try {
    profile = JSON.parse(json);
  } catch (err) {
    throw invalid(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  if (typeof profile !== "object" || profile === null || Array.isArray(profile))
    throw invalid("Decoding seccomp profile failed: the profile is not a JSON object");
  if (profile.architectures?.length && profile.archMap?.length)
    throw invalid(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  for (const call of profile.syscalls ?? []) {
    if (call.name && call.names?.length)
      throw invalid(
        "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
      );
    if (typeof call.action !== "string")
      throw invalid("Decoding seccomp profile failed: a syscall has no action");
  }
  return profile;
}

/**
 * moby's setupSeccomp: the OCI object for a container whose bounding set is `bounding`, on this
 * host's architecture and kernel. A profile with no default action and no syscalls means none.
 */
export function ociSeccomp(
  profile: SeccompProfile,
  bounding: readonly string[],
  host: { arch?: string; kernel?: string } = {},
): LinuxSeccomp | undefined {
  if (!profile.defaultAction && !profile.syscalls?.length) return undefined;
  const native = NATIVE_ARCH[host.arch ?? process.arch];
  const kernel = host.kernel ?? release();
  const architectures = [...(profile.architectures ?? [])];
  const mapped = profile.archMap?.find((a) => a.architecture === native?.scmp);
  if (mapped) architectures.push(mapped.architecture, ...(mapped.subArchitectures ?? []));
  const applies = (call: ProfileSyscall): boolean => {
    const { includes: inc, excludes: exc } = call;
    const arch = native?.name ?? "";
    if (exc?.arches?.includes(arch)) return false;
    if (exc?.caps?.some((c) => bounding.includes(c))) return false;
    if (exc?.minKernel && kernelAtLeast(kernel, exc.minKernel)) return false;
    if (inc?.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc?.caps?.some((c) => !bounding.includes(c))) return false;
    if (inc?.minKernel && !kernelAtLeast(kernel, inc.minKernel)) return false;
    return true;
  };
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(profile.flags?.length ? { flags: profile.flags } : {}),
    ...(profile.listenerPath ? { listenerPath: profile.listenerPath } : {}),
    ...(profile.listenerMetadata ? { listenerMetadata: profile.listenerMetadata } : {}),
    syscalls: (profile.syscalls ?? []).filter(applies).map((call) => ({
      names: call.name ? [call.name] : (call.names ?? []),
      action: call.action,
      ...(call.errnoRet !== undefined ? { errnoRet: call.errnoRet } : {}),
      ...(call.args?.length ? { args: call.args } : {}),
    })),
  };
}

/** "6.1.0-13-amd64" >= "4.8": major, minor and patch compared as numbers. */
export function kernelAtLeast(kernel: string, min: string): boolean {
  const parts = (v: string) =>
    (/^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v) ?? []).slice(1, 4).map((n) => Number(n ?? 0));
  const have = parts(kernel);
  const want = parts(min);
  if (want.length === 0 || Number.isNaN(want[0]!))
    throw invalid(`invalid kernel version in the seccomp profile: ${min}`);
  for (let i = 0; i < 3; i++) if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
  return true;
}
