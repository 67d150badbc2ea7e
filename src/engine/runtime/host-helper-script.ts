/**
 * The host helper's program (see host-helper.ts for what it is for and its wire format): perl
 * from perl-base only (POSIX, no JSON), system calls by number (the numbers come as arguments,
 * in host-helper.ts's SYSCALL_NAMES order), one select(2) loop that never blocks on a program
 * it runs. Each op answers with reply(); nsexec also sends "event" reports first.
 */
export const HOST_HELPER_SCRIPT = `
use strict;
use POSIX ();
my ($MOUNT, $UMOUNT2, $UNSHARE, $SETNS, $CAPSET, $PRCTL, $SETGROUPS, $SETRESUID, $SETRESGID, $PRLIMIT, $KEYCTL, $SECCOMP) = @ARGV;
my $CLONE_NEWNET = 0x40000000;
$SIG{INT} = 'IGNORE'; # a ctrl-c meant for a foreground kapseld; it closes our stdin when it goes
binmode STDIN; binmode STDOUT;
# descriptors kapseld's own parent let through (without close-on-exec) must not reach the
# programs and container processes started from here
if (opendir(my $d, '/proc/self/fd')) {
  my @fds = grep { /^\\d+$/ && $_ > 2 } readdir($d);
  my $own = fileno($d);
  closedir($d);
  POSIX::close($_) for grep { $_ != $own } @fds;
}
open(my $hostns, '<', '/proc/self/ns/net') or die "cannot open our network namespace: $!";
my %watch;   # fd => [handle, callback(data, or undef at the end)]
my %reap;    # pids of launched programs' first processes, reaped when they exit
my $inbuf = '';

sub out { my $s = shift; while (length $s) { my $n = syswrite(STDOUT, $s); die "write: $!" unless defined $n; substr($s, 0, $n) = ''; } }
sub reply { my $p = join("\\0", @_); out(length($p) . "\\n" . $p); }
sub errname { my $n = 0 + $!; for my $k (keys %!) { return $k if $!{$k}; } return "E$n"; }
sub fail { my ($id, $what) = @_; reply($id, errname(), "$what: $!"); }
sub unwatch { my $fh = shift; delete $watch{fileno $fh}; close $fh; }
sub status_code { my $st = shift; return ($st & 127) ? 128 + ($st & 127) : $st >> 8; }

sub op_mount {
  my ($id, $cwd, $src, $tgt, $type, $flags, $data) = @_;
  if ($cwd ne '' && !chdir($cwd)) { return fail($id, "chdir $cwd"); }
  my $r = syscall($MOUNT, $src, $tgt, ($type eq '' ? undef : $type), 0 + $flags, ($data eq '' ? undef : $data));
  my @err = $r == 0 ? () : (errname(), "$!");
  chdir('/');
  reply($id, @err ? @err : ('ok', ''));
}

sub op_umount {
  my ($id, $tgt, $flags) = @_;
  return reply($id, errname(), "$!") if syscall($UMOUNT2, $tgt, 0 + $flags) != 0;
  reply($id, 'ok', '');
}

sub lo_up {
  socket(my $s, 2, 2, 0) or return 0; # AF_INET, SOCK_DGRAM, in the namespace we are in
  my $req = pack('a16 s x22', 'lo', 0);
  ioctl($s, 0x8913, $req) or return 0; # SIOCGIFFLAGS
  my $flags = unpack('x16 s', $req);
  ioctl($s, 0x8914, pack('a16 s x22', 'lo', $flags | 1)) or return 0; # SIOCSIFFLAGS, IFF_UP
  close $s;
  return 1;
}

sub op_netns {
  my ($id, $path) = @_;
  if (!-e $path) { open(my $f, '>', $path) or return fail($id, "create $path"); close $f; }
  return fail($id, 'unshare') if syscall($UNSHARE, $CLONE_NEWNET) != 0;
  my @err;
  my $self = '/proc/self/ns/net'; # a variable: syscall() may not take a read-only constant
  if (syscall($MOUNT, $self, $path, undef, 4096, undef) != 0) { @err = (errname(), "bind $path: $!"); }
  elsif (!lo_up()) { @err = (errname(), "loopback up: $!"); syscall($UMOUNT2, $path, 2); }
  # interfaces that come later start without IPv6, as Docker's on IPv4-only networks (no
  # link-local address, no multicast groups, no router advertisements); lo keeps ::1
  else { write_proc('/proc/sys/net/ipv6/conf/default/disable_ipv6', '1'); }
  # back to kapseld's namespace, whatever happened: a helper left elsewhere must not go on
  syscall($SETNS, fileno($hostns), $CLONE_NEWNET) == 0 or die "cannot return to our network namespace: $!";
  reply($id, @err ? @err : ('ok', ''));
}

sub write_proc {
  my ($file, $value) = @_;
  open(my $f, '>', $file) or return 0;
  my $ok = print $f $value;
  return close($f) && $ok;
}

# a sysctl (a path below /proc/sys) written inside a network namespace
sub op_nssysctl {
  my ($id, $netns, $key, $value) = @_;
  open(my $ns, '<', $netns) or return fail($id, "open $netns");
  return fail($id, "setns $netns") if syscall($SETNS, fileno($ns), $CLONE_NEWNET) != 0;
  my @err = write_proc("/proc/sys/$key", $value) ? () : (errname(), "$key: $!");
  syscall($SETNS, fileno($hostns), $CLONE_NEWNET) == 0 or die "cannot return to our network namespace: $!";
  reply($id, @err ? @err : ('ok', ''));
}

# a program with its output (stdout and stderr) collected; the reply comes when it has exited
sub op_run {
  my ($id, $netns, $input, @argv) = @_;
  pipe(my $in_r, my $in_w) or return fail($id, 'pipe');
  pipe(my $out_r, my $out_w) or return fail($id, 'pipe');
  my $pid = fork();
  return fail($id, 'fork') unless defined $pid;
  if ($pid == 0) {
    $SIG{INT} = 'DEFAULT';
    POSIX::dup2(fileno($out_w), 1); POSIX::dup2(fileno($out_w), 2);
    if ($netns ne '') {
      open(my $ns, '<', $netns) or do { print STDERR "open $netns: $!\\n"; POSIX::_exit(126); };
      syscall($SETNS, fileno($ns), $CLONE_NEWNET) == 0 or do { print STDERR "setns $netns: $!\\n"; POSIX::_exit(126); };
    }
    POSIX::dup2(fileno($in_r), 0);
    exec { $argv[0] } @argv;
    print STDERR "exec $argv[0]: $!\\n";
    POSIX::_exit(127);
  }
  close $in_r; close $out_w;
  # the input is a few lines, well under a pipe's buffer: this write does not block
  syswrite($in_w, $input) if length $input;
  close $in_w;
  my $buf = '';
  $watch{fileno $out_r} = [$out_r, sub {
    my $data = shift;
    if (defined $data) { $buf .= $data; return; }
    unwatch($out_r);
    waitpid($pid, 0); # it closed its output: it is exiting
    my $code = status_code($?);
    reply($id, $code == 0 ? 'ok' : "exit $code", $buf);
  }];
}

# a program that goes on alone (conmon): its own session, stdin and stdout on /dev/null, fd 3 a
# pipe; the reply is the first line it writes there, or its stderr when fd 3 closes without one
sub op_launch {
  my ($id, $nenv, @rest) = @_;
  my @env = splice(@rest, 0, $nenv);
  my @argv = @rest;
  pipe(my $sync_r, my $sync_w) or return fail($id, 'pipe');
  pipe(my $err_r, my $err_w) or return fail($id, 'pipe');
  my $pid = fork();
  return fail($id, 'fork') unless defined $pid;
  if ($pid == 0) {
    $SIG{INT} = 'DEFAULT';
    POSIX::setsid();
    open(my $null, '+<', '/dev/null') or POSIX::_exit(126);
    POSIX::dup2(fileno($null), 0); POSIX::dup2(fileno($null), 1);
    POSIX::dup2(fileno($err_w), 2);
    if (fileno($sync_w) == 3) { fcntl($sync_w, 2, 0); } else { POSIX::dup2(fileno($sync_w), 3); } # F_SETFD: keep it open
    %ENV = map { split(/=/, $_, 2) } @env;
    exec { $argv[0] } @argv;
    print STDERR "exec $argv[0]: $!\\n";
    POSIX::_exit(127);
  }
  close $sync_w; close $err_w;
  $reap{$pid} = 1;
  my ($line, $err, $done) = ('', '', 0);
  my $finish = sub {
    my @r = @_;
    return if $done++;
    unwatch($sync_r) if $watch{fileno $sync_r};
    unwatch($err_r) if $watch{fileno $err_r};
    reply($id, @r);
  };
  my $sync_closed = 0;
  $watch{fileno $err_r} = [$err_r, sub {
    my $data = shift;
    if (defined $data) { $err .= $data if length($err) < 4096; return; }
    unwatch($err_r);
    $finish->('EPIPE', $err) if $sync_closed;
  }];
  $watch{fileno $sync_r} = [$sync_r, sub {
    my $data = shift;
    if (defined $data) {
      $line .= $data;
      my $nl = index($line, "\\n");
      $finish->('ok', substr($line, 0, $nl)) if $nl >= 0;
      return;
    }
    $sync_closed = 1;
    unwatch($sync_r);
    # its early failure message is on stderr: answer once that closes too
    $finish->('EPIPE', $err) unless $watch{fileno $err_r};
  }];
}


# ---- exec in a running container, as \`runc exec\` does it (libcontainer's setns init, runc 1.1)
my $CAP_LAST = do { open(my $f, '<', '/proc/sys/kernel/cap_last_cap'); my $v = <$f>; 0 + ($v // 40) };
my %NSFLAG = (ipc => 0x08000000, uts => 0x04000000, net => 0x40000000, pid => 0x20000000, mnt => 0x00020000, cgroup => 0x02000000);
my %held; # request id => the pipe ends kapseld takes over through /proc/<our pid>/fd

sub errtext { return lcfirst("$!"); } # Go's wording: "no such file or directory"

sub cap_has { my ($lo, $hi, $c) = @_; return $c < 32 ? ($lo >> $c) & 1 : ($hi >> ($c - 32)) & 1; }

# Go's exec.LookPath: a name with a slash is taken as is, else the first executable on PATH
sub lookpath {
  my ($file, $path) = @_;
  my $check = sub {
    my $p = shift;
    my @st = stat($p);
    return "stat $p: " . errtext() unless @st;
    return '' if !(-d _) && ($st[2] & 0111);
    return 'permission denied';
  };
  if ($file =~ m{/}) {
    my $e = $check->($file);
    return $e eq '' ? ($file, undef) : (undef, "exec: \\"$file\\": $e");
  }
  for my $dir (split(/:/, $path // '', -1)) {
    my $p = $dir eq '' ? $file : "$dir/$file";
    return ($p, undef) if $check->($p) eq '';
  }
  return (undef, "exec: \\"$file\\": executable file not found in \\$PATH");
}

sub home_of {
  my $uid = shift;
  if (open(my $f, '<', '/etc/passwd')) {
    while (my $l = <$f>) { chomp $l; my @p = split(/:/, $l, -1); return $p[5] if @p >= 6 && $p[2] eq $uid && $p[5] ne ''; }
  }
  return '/';
}

sub op_nsexec {
  my ($id, $pid, $nslist, $ncg, @r) = @_;
  my @cg = splice(@r, 0, $ncg);
  my ($uid, $gid, $ngid) = splice(@r, 0, 3);
  my @gids = splice(@r, 0, $ngid);
  my ($caps, $nnp, $filter, $nrl) = splice(@r, 0, 4);
  my @rl = splice(@r, 0, $nrl);
  my ($oom, $keyring, $cwd, $stdin, $nenv) = splice(@r, 0, 5);
  my @env = splice(@r, 0, $nenv);
  my @argv = @r;
  my @c = split(/:/, $caps); # bounding, effective, permitted, inheritable, ambient: lo and hi words
  pipe(my $in_r, my $in_w) or return fail($id, 'pipe');
  pipe(my $out_r, my $out_w) or return fail($id, 'pipe');
  pipe(my $err_r, my $err_w) or return fail($id, 'pipe');
  pipe(my $st_r, my $st_w) or return fail($id, 'pipe');
  my $child = fork();
  return fail($id, 'fork') unless defined $child;
  if ($child == 0) {
    # the monitor: joins the namespaces but the mount one, forks the process (so it lands in the
    # pid namespace), reports its pid and its exit
    $SIG{INT} = 'DEFAULT';
    open(STDIN, '<', '/dev/null'); open(STDOUT, '>', '/dev/null');
    # it lives as long as the process: it must hold no pipe of ours (another exec's stdin!)
    for my $h (values %held) { close($_) for @$h; }
    for my $w (values %watch) { close($w->[0]); }
    close $in_w; close $out_r; close $err_r; close $st_r;
    my $say = sub { syswrite($st_w, "$_[0]\\n"); };
    my $die = sub { $say->("err $_[0]"); POSIX::_exit(0); };
    my @ns;
    for my $t (split(/,/, $nslist)) {
      open(my $f, '<', "/proc/$pid/ns/$t") or $die->("container is not running: /proc/$pid/ns/$t: " . errtext());
      push @ns, [$t, $f];
    }
    my @cgf;
    for my $d (@cg) { open(my $f, '>', "$d/cgroup.procs") or $die->("joining cgroup $d: " . errtext()); push @cgf, $f; }
    for my $n (@ns) {
      next if $n->[0] eq 'mnt';
      syscall($SETNS, fileno($n->[1]), $NSFLAG{$n->[0]}) == 0 or $die->("setns $n->[0]: " . errtext());
    }
    pipe(my $x_r, my $x_w) or $die->('pipe: ' . errtext()); # close-on-exec: EOF means it ran
    my $g = fork();
    defined $g or $die->('fork: ' . errtext());
    if ($g == 0) {
      close $x_r;
      my $fail = sub { syswrite($x_w, $_[0]); POSIX::_exit(127); };
      if ($stdin) { POSIX::dup2(fileno($in_r), 0); } else { open(my $null, '<', '/dev/null'); POSIX::dup2(fileno($null), 0); }
      POSIX::dup2(fileno($out_w), 1);
      POSIX::dup2(fileno($err_w), 2);
      for my $f (@cgf) { defined(syswrite($f, '0')) or $fail->('joining cgroup: ' . errtext()); }
      for my $n (@ns) {
        next unless $n->[0] eq 'mnt';
        syscall($SETNS, fileno($n->[1]), $NSFLAG{mnt}) == 0 or $fail->('setns mnt: ' . errtext());
      }
      # do not inherit kapseld's session keyring (ENOSYS: no keyrings, as runc tolerates)
      if ($keyring ne '') {
        my $name = $keyring;
        $fail->('unable to join session keyring: ' . errtext()) if syscall($KEYCTL, 1, $name) < 0 && !$!{ENOSYS};
      }
      if ($oom ne '') {
        my $ok = open(my $f, '>', '/proc/self/oom_score_adj');
        $ok &&= print($f $oom);
        $ok &&= close($f);
        $fail->('set oom_score_adj: ' . errtext()) unless $ok;
      }
      for my $l (@rl) {
        my ($res, $soft, $hard) = split(/:/, $l);
        my $new = pack('Q Q', $soft, $hard);
        syscall($PRLIMIT, 0, 0 + $res, $new, undef) == 0 or $fail->('error setting rlimit type ' . $res . ': ' . errtext());
      }
      if ($nnp) { syscall($PRCTL, 38, 1, 0, 0, 0) == 0 or $fail->('set no_new_privs: ' . errtext()); }
      # as runc: without no_new_privs, installing a filter needs CAP_SYS_ADMIN, so it goes in
      # before the capabilities are dropped; with it, as late as possible
      my $seccomp = sub {
        return if $filter eq '';
        my $prog = pack('H*', $filter);
        my $fprog = pack('S x6 P', length($prog) / 8, $prog); # struct sock_fprog
        syscall($SECCOMP, 1, 0, $fprog) == 0 or $fail->('unable to init seccomp: ' . errtext()); # SECCOMP_SET_MODE_FILTER
      };
      $seccomp->() unless $nnp;
      for my $cap (0 .. $CAP_LAST) {
        next if cap_has($c[0], $c[1], $cap);
        syscall($PRCTL, 24, $cap, 0, 0, 0) == 0 or $!{EINVAL} or $fail->('drop bounding capability: ' . errtext());
      }
      push @env, 'HOME=' . home_of($uid) unless grep { /^HOME=/ } @env;
      if ($uid != 0) {
        # as runc's fixStdioPermissions: the user may reopen its own stdio
        for my $fd (0, 1, 2) { my @st = stat("/proc/self/fd/$fd"); chown($uid, $gid, "/proc/self/fd/$fd") if @st && !(-c _); }
      }
      syscall($PRCTL, 8, 1, 0, 0, 0); # keep the permitted capabilities across setuid
      my $groups = pack('L*', @gids);
      syscall($SETGROUPS, scalar(@gids), @gids ? $groups : undef) == 0 or $fail->('setgroups: ' . errtext());
      syscall($SETRESGID, 0 + $gid, 0 + $gid, 0 + $gid) == 0 or $fail->('setgid: ' . errtext());
      syscall($SETRESUID, 0 + $uid, 0 + $uid, 0 + $uid) == 0 or $fail->('setuid: ' . errtext());
      syscall($PRCTL, 8, 0, 0, 0, 0);
      my $hdr = pack('L l', 0x20080522, 0);
      my $data = pack('L6', $c[2], $c[4], $c[6], $c[3], $c[5], $c[7]);
      syscall($CAPSET, $hdr, $data) == 0 or $fail->('capset: ' . errtext());
      for my $cap (0 .. $CAP_LAST) {
        next unless cap_has($c[8], $c[9], $cap);
        syscall($PRCTL, 47, 2, $cap, 0, 0) == 0 or $fail->('raise ambient capability: ' . errtext());
      }
      chdir($cwd) or $fail->("chdir to cwd (\\"$cwd\\") set in config.json failed: " . errtext());
      %ENV = map { split(/=/, $_, 2) } @env;
      my ($path, $err) = lookpath($argv[0], $ENV{PATH});
      $fail->($err) unless defined $path;
      $seccomp->() if $nnp;
      exec { $path } @argv;
      $fail->("exec $path: " . errtext());
    }
    close $x_w; close $in_r; close $out_w; close $err_w;
    $say->("pid $g");
    my $msg = '';
    while (sysread($x_r, my $b, 4096)) { $msg .= $b; }
    if (length $msg) { waitpid($g, 0); $msg =~ s/\\n/ /g; $die->("exec failed: unable to start container process: $msg"); }
    $say->('started');
    waitpid($g, 0);
    $say->('exit ' . status_code($?));
    POSIX::_exit(0);
  }
  close $in_r; close $out_w; close $err_w; close $st_w;
  $held{$id} = [$in_w, $out_r, $err_r];
  reply($id, 'event', 'fds', $$, fileno($in_w), fileno($out_r), fileno($err_r));
  my ($buf, $final) = ('', undef);
  $watch{fileno $st_r} = [$st_r, sub {
    my $data = shift;
    if (defined $data) {
      $buf .= $data;
      while ($buf =~ s/^([^\\n]*)\\n//) {
        my $l = $1;
        if ($l =~ /^pid (\\d+)$/) { reply($id, 'event', 'pid', $1); }
        elsif ($l eq 'started') { reply($id, 'event', 'started'); }
        elsif ($l =~ /^exit (\\d+)$/) { $final = ['ok', $1]; }
        elsif ($l =~ /^err (.*)$/s) { $final = ['EEXEC', $1]; }
      }
      return;
    }
    unwatch($st_r);
    waitpid($child, 0);
    reply($id, @{$final // ['EEXEC', 'exec failed: the exec monitor ended without a result']});
  }];
}

# kapseld has opened the pipe ends of an nsexec: ours go
sub op_release {
  my ($id, $target) = @_;
  close($_) for @{delete($held{$target}) // []};
  reply($id, 'ok', '');
}

my %OPS = (
  mount => \\&op_mount, umount => \\&op_umount, netns => \\&op_netns, run => \\&op_run, launch => \\&op_launch,
  nsexec => \\&op_nsexec, release => \\&op_release, nssysctl => \\&op_nssysctl,
);

for (;;) {
  for my $pid (keys %reap) { delete $reap{$pid} if waitpid($pid, POSIX::WNOHANG()) != 0; }
  my $rbits = '';
  vec($rbits, 0, 1) = 1;
  vec($rbits, $_, 1) = 1 for keys %watch;
  my $n = select(my $rout = $rbits, undef, undef, %reap ? 0.05 : undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!"; }
  for my $fd (keys %watch) {
    next unless vec($rout, $fd, 1) && $watch{$fd};
    my ($fh, $cb) = @{$watch{$fd}};
    my $got = sysread($fh, my $chunk, 65536);
    $cb->($got ? $chunk : undef);
  }
  if (vec($rout, 0, 1)) {
    my $got = sysread(STDIN, my $chunk, 65536);
    exit 0 unless $got; # kapseld is gone
    $inbuf .= $chunk;
    while ($inbuf =~ /^(\\d+)\\n/) {
      my $len = $1;
      my $head = length($len) + 1;
      last if length($inbuf) < $head + $len;
      my @f = split(/\\0/, substr($inbuf, $head, $len), -1);
      substr($inbuf, 0, $head + $len) = '';
      my $op = $OPS{$f[1]};
      if ($op) { $op->($f[0], @f[2 .. $#f]); } else { reply($f[0], 'EINVAL', "unknown operation $f[1]"); }
    }
  }
}
`;
