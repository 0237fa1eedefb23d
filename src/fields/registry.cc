// The field table. Types follow Falco's, simplified to what comparisons need: numbers
// (including times and ports), strings (including flag and errno renderings), booleans,
// addresses. Fields are grouped as Falco's field classes are.
#include "src/fields/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace vigil::fields {
namespace {

constexpr ChannelMask S = channel_bit(Channel::kSyscall);
constexpr ChannelMask FO = channel_bit(Channel::kFileOpen);
constexpr ChannelMask FM = channel_bit(Channel::kFileModify);
constexpr ChannelMask ALL = kAllChannels;
constexpr ChannelMask NOT_FE = S | FO | FM;

using T = FieldType;
using A = FieldArg;
using R = Race;
using C = Cost;

// The table is indexed by F: a row out of order would make an extractor answer for
// another field. Caught at the first use, in every test and at every daemon start.
std::vector<FieldInfo> checked(std::vector<FieldInfo> t) {
  if (t.size() != size_t(F::kCount)) {
    std::fprintf(stderr, "vigil: field table has %zu rows for %zu ids\n", t.size(),
                 size_t(F::kCount));
    std::abort();
  }
  static constexpr std::pair<std::string_view, FieldClass> kClasses[] = {
      {"evt.", FieldClass::kEvt},        {"proc.", FieldClass::kProc},
      {"thread.", FieldClass::kThread},  {"user.", FieldClass::kUser},
      {"group.", FieldClass::kGroup},    {"fd.", FieldClass::kFd},
      {"fs.path.", FieldClass::kFsPath}, {"container.", FieldClass::kContainer},
      {"k8s.", FieldClass::kK8s},
  };
  for (size_t i = 0; i < t.size(); ++i) {
    for (const auto& [prefix, cls] : kClasses) {
      if (t[i].name.rfind(prefix, 0) == 0) t[i].cls = cls;
    }
    if (size_t(t[i].id) != i) {
      std::fprintf(stderr, "vigil: field table row %zu (%s) is out of order\n", i,
                   std::string(t[i].name).c_str());
      std::abort();
    }
  }
  return t;
}

const std::vector<FieldInfo>& table() {
  static const std::vector<FieldInfo> t = checked({
      // evt.*
      {F::kEvtType, "evt.type", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "event type (syscall name)"},
      {F::kEvtNum, "evt.num", T::kInt, A::kNone, ALL, R::kNever, C::kFree, false,
       "event sequence number"},
      {F::kEvtTime, "evt.time", T::kString, A::kNone, ALL, R::kNever, C::kFree, false,
       "event time, human readable"},
      {F::kEvtRawtime, "evt.rawtime", T::kInt, A::kNone, ALL, R::kNever, C::kFree, false,
       "event time, ns since the epoch"},
      {F::kEvtHostname, "evt.hostname", T::kString, A::kNone, ALL, R::kNever, C::kFree, false,
       "the node's hostname"},
      {F::kEvtSource, "evt.source", T::kString, A::kNone, ALL, R::kNever, C::kFree, false,
       "always \"syscall\""},
      {F::kEvtRes, "evt.res", T::kString, A::kNone, ALL, R::kNever, C::kFree, false,
       "decision-time result: SUCCESS (vigil decides before the call returns)"},
      {F::kEvtRawres, "evt.rawres", T::kInt, A::kNone, ALL, R::kNever, C::kFree, false,
       "decision-time result: 0, or the target fd of dup2/dup3"},
      // On file opens from the registers of the opener's blocked open call (openat2 and
      // unknown callers count as read and write: blocks fail closed).
      {F::kEvtIsOpenRead, "evt.is_open_read", T::kBool, A::kNone, S | FO, R::kArgument,
       C::kOpenIntent, false, "open flags include read"},
      {F::kEvtIsOpenWrite, "evt.is_open_write", T::kBool, A::kNone, S | FO, R::kArgument,
       C::kOpenIntent, false, "open flags include write, O_CREAT or O_TRUNC"},
      {F::kEvtIsOpenExec, "evt.is_open_exec", T::kBool, A::kNone, S | FO, R::kArgument,
       C::kOpenIntent, false, "open flags include exec"},
      {F::kEvtArg, "evt.arg", T::kString, A::kRequiredKeyOrIndex, S, R::kArgument, C::kFree, false,
       "an argument, rendered as Falco does (flags by name)"},
      {F::kEvtRawarg, "evt.rawarg", T::kInt, A::kRequiredKeyOrIndex, S, R::kArgument, C::kFree,
       false, "an argument, raw"},
      {F::kEvtArgs, "evt.args", T::kString, A::kNone, S, R::kArgument, C::kFree, false,
       "all arguments, rendered"},
      // proc.*
      {F::kProcPid, "proc.pid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "process id (host)"},
      {F::kProcVpid, "proc.vpid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "process id in its pid namespace"},
      {F::kProcPpid, "proc.ppid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "parent process id"},
      {F::kProcName, "proc.name", T::kString, A::kNone, NOT_FE, R::kExecImage, C::kProc, false,
       "process name (comm)"},
      {F::kProcExe, "proc.exe", T::kString, A::kNone, ALL, R::kExecImage, C::kProc, false,
       "argv[0]"},
      {F::kProcExepath, "proc.exepath", T::kString, A::kNone, ALL, R::kExecImage, C::kProc, false,
       "executable path"},
      {F::kProcCmdline, "proc.cmdline", T::kString, A::kNone, NOT_FE, R::kExecImage, C::kProc,
       false, "name and arguments"},
      {F::kProcArgs, "proc.args", T::kString, A::kNone, NOT_FE, R::kExecImage, C::kProc, false,
       "arguments"},
      {F::kProcEnv, "proc.env", T::kString, A::kNone, NOT_FE, R::kExecImage, C::kProc, false,
       "environment, NAME=value separated by spaces (an execve's: the new one)"},
      {F::kProcPname, "proc.pname", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "parent's name"},
      {F::kProcPexe, "proc.pexe", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "parent's argv[0]"},
      {F::kProcPexepath, "proc.pexepath", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "parent's executable path"},
      {F::kProcPcmdline, "proc.pcmdline", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "parent's command line"},
      {F::kProcAname, "proc.aname", T::kStringList, A::kOptionalIndex, ALL, R::kNever, C::kProc,
       false, "ancestor names; [N] selects one (0 = self, 1 = parent)"},
      {F::kProcApid, "proc.apid", T::kInt, A::kRequiredIndex, ALL, R::kNever, C::kProc, false,
       "ancestor pid"},
      {F::kProcAexe, "proc.aexe", T::kStringList, A::kOptionalIndex, ALL, R::kNever, C::kProc,
       false, "ancestor argv[0]"},
      {F::kProcAexepath, "proc.aexepath", T::kStringList, A::kOptionalIndex, ALL, R::kNever,
       C::kProc, false, "ancestor executable paths"},
      {F::kProcCwd, "proc.cwd", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "working directory"},
      {F::kProcTty, "proc.tty", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "controlling terminal, 0 if none"},
      {F::kProcSid, "proc.sid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false, "session id"},
      {F::kProcSname, "proc.sname", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "session leader's name"},
      {F::kProcVpgid, "proc.vpgid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "process group id"},
      {F::kProcVpgidName, "proc.vpgid.name", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "process group leader name"},
      {F::kProcVpgidExe, "proc.vpgid.exe", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "process group leader argv[0]"},
      {F::kProcIsVpgidLeader, "proc.is_vpgid_leader", T::kBool, A::kNone, ALL, R::kNever, C::kProc,
       false, "leads its process group"},
      {F::kProcDuration, "proc.duration", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "ns since the process started"},
      {F::kProcPpidDuration, "proc.ppid.duration", T::kInt, A::kNone, ALL, R::kNever, C::kProc,
       false, "ns since the parent started"},
      // On exec events: the executed file's inode changed (ctime) after the container
      // started, which is what landing in an overlay's upper layer means.
      {F::kProcIsExeUpperLayer, "proc.is_exe_upper_layer", T::kBool, A::kNone,
       channel_bit(Channel::kFileExec), R::kNever, C::kProc, false,
       "executable written or changed after the container started"},
      // A memfd is not on any container mount: only seccomp sees its exec.
      {F::kProcIsExeFromMemfd, "proc.is_exe_from_memfd", T::kBool, A::kNone, S, R::kExecImage,
       C::kProc, false, "executable is a memfd"},
      // On file events: the event's file changed after the container started (as above).
      {F::kFdIsUpperLayer, "fd.is_upper_layer", T::kBool, A::kNone,
       FO | FM | channel_bit(Channel::kFileExec), R::kNever, C::kPath, false,
       "file written or changed after the container started"},
      // The event's file's link count. The decision cache may rely on it: a hard link is a
      // cache barrier call (fanotify/rename_barrier.h), so no cached decision outlives a new
      // link.
      {F::kFdNlink, "fd.nlink", T::kInt, A::kNone, FO | FM, R::kNever, C::kPath, true,
       "number of hard links of the file"},
      // fd.linked_below[/etc]: the file has more than one link and one of them is below the
      // directory in the opener's root (the directory is walked, only for such files).
      {F::kFdLinkedBelow, "fd.linked_below", T::kBool, A::kRequiredKeyOrIndex, FO | FM, R::kNever,
       C::kOpenIntent, false, "the file has another hard link below the directory given as key"},
      {F::kProcExeIno, "proc.exe_ino", T::kInt, A::kNone, channel_bit(Channel::kFileExec),
       R::kNever, C::kProc, false, "executable inode"},
      {F::kProcExeInoCtime, "proc.exe_ino.ctime", T::kInt, A::kNone,
       channel_bit(Channel::kFileExec), R::kNever, C::kProc, false, "executable ctime (ns)"},
      {F::kProcExeInoMtime, "proc.exe_ino.mtime", T::kInt, A::kNone,
       channel_bit(Channel::kFileExec), R::kNever, C::kProc, false, "executable mtime (ns)"},
      {F::kProcExeInoCtimeDurationProcStart, "proc.exe_ino.ctime_duration_proc_start", T::kInt,
       A::kNone, ALL, R::kExecImage, C::kProc, false,
       "ns between the executable's ctime and the process start"},
      // thread.*
      {F::kThreadTid, "thread.tid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "thread id"},
      {F::kThreadVtid, "thread.vtid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "thread id in its pid namespace"},
      {F::kThreadCapEffective, "thread.cap_effective", T::kString, A::kNone, ALL, R::kNever,
       C::kProc, false, "effective capabilities"},
      {F::kThreadCapPermitted, "thread.cap_permitted", T::kString, A::kNone, ALL, R::kNever,
       C::kProc, false, "permitted capabilities"},
      {F::kThreadCapInheritable, "thread.cap_inheritable", T::kString, A::kNone, ALL, R::kNever,
       C::kProc, false, "inheritable capabilities"},
      // user.* and group.*: names resolved through the container's own /etc/passwd, /etc/group
      {F::kUserUid, "user.uid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "effective user id"},
      {F::kUserName, "user.name", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "effective user name"},
      {F::kUserLoginuid, "user.loginuid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "audit login uid, -1 if unset"},
      {F::kUserLoginname, "user.loginname", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "audit login user name"},
      {F::kUserHomedir, "user.homedir", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "home directory"},
      {F::kUserShell, "user.shell", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "login shell"},
      {F::kGroupGid, "group.gid", T::kInt, A::kNone, ALL, R::kNever, C::kProc, false,
       "effective group id"},
      {F::kGroupName, "group.name", T::kString, A::kNone, ALL, R::kNever, C::kProc, false,
       "effective group name"},
      // fd.*: on file channels from the event's own fd (race-free); on syscalls from arguments
      {F::kFdName, "fd.name", T::kString, A::kNone, ALL, R::kSyscallMemory, C::kPath, true,
       "full path or connection"},
      {F::kFdDirectory, "fd.directory", T::kString, A::kNone, ALL, R::kSyscallMemory, C::kPath,
       true, "directory of fd.name"},
      {F::kFdFilename, "fd.filename", T::kString, A::kNone, ALL, R::kSyscallMemory, C::kPath, true,
       "last component of fd.name"},
      // On opens (fanotify) from the open call the opener is blocked in. Not the same for
      // every open of a file: the name an opener used is its own.
      {F::kFdNameraw, "fd.nameraw", T::kString, A::kNone, S | FO, R::kSyscallMemory, C::kOpenIntent,
       false, "path exactly as passed"},
      // The path of a path-taking call with its symlinks followed inside the caller's root
      // (what a write through /tmp/cp -> /proc/sys/kernel/core_pattern reaches). Caller
      // memory, resolved when read: for alerts.
      {F::kFdNameResolved, "fd.name_resolved", T::kString, A::kNone, S, R::kSyscallMemory, C::kProc,
       false, "the path with its symlinks followed, in the caller's root"},
      // fs.path.*: seccomp only (a rename, link or symlink is no open).
      {F::kFsPathName, "fs.path.name", T::kString, A::kNone, S, R::kSyscallMemory, C::kFree, false,
       "path a one-path file syscall works on (mkdir, unlink, ...), resolved"},
      {F::kFsPathNameraw, "fs.path.nameraw", T::kString, A::kNone, S, R::kSyscallMemory, C::kFree,
       false, "fs.path.name as passed"},
      {F::kFsPathSource, "fs.path.source", T::kString, A::kNone, S, R::kSyscallMemory, C::kFree,
       false, "rename/link: the existing path; symlink: the link's content, resolved"},
      {F::kFsPathSourceraw, "fs.path.sourceraw", T::kString, A::kNone, S, R::kSyscallMemory,
       C::kFree, false, "fs.path.source as passed"},
      {F::kFsPathTarget, "fs.path.target", T::kString, A::kNone, S, R::kSyscallMemory, C::kFree,
       false, "rename/link/symlink: the new name, resolved"},
      {F::kFsPathTargetraw, "fs.path.targetraw", T::kString, A::kNone, S, R::kSyscallMemory,
       C::kFree, false, "fs.path.target as passed"},
      {F::kFdNum, "fd.num", T::kInt, A::kNone, ALL, R::kNever, C::kPath, true,
       "decision-time fd number: 0 for an open being decided (it succeeds unless denied)"},
      {F::kFdTypechar, "fd.typechar", T::kString, A::kNone, ALL, R::kNever, C::kPath, true,
       "f, 4, 6, u, p, ..."},
      {F::kFdType, "fd.type", T::kString, A::kNone, ALL, R::kNever, C::kPath, true,
       "file, directory, ipv4, ipv6, unix, ..."},
      {F::kFdIno, "fd.ino", T::kInt, A::kNone, ALL, R::kNever, C::kPath, true, "inode number"},
      {F::kFdDev, "fd.dev", T::kInt, A::kNone, ALL, R::kNever, C::kPath, true, "device number"},
      {F::kFdSockfamily, "fd.sockfamily", T::kString, A::kNone, S, R::kNever, C::kPath, true,
       "ip or unix"},
      {F::kFdL4proto, "fd.l4proto", T::kString, A::kNone, S, R::kNever, C::kPath, true,
       "tcp, udp, icmp, raw"},
      {F::kFdSip, "fd.sip", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "server address"},
      {F::kFdCip, "fd.cip", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "client address"},
      {F::kFdRip, "fd.rip", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "remote address"},
      {F::kFdLip, "fd.lip", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "local address"},
      {F::kFdIp, "fd.ip", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the server's address (Falco: either end's)"},
      {F::kFdNet, "fd.net", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the server's address, for CIDR checks (Falco: either end's)"},
      {F::kFdSnet, "fd.snet", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "server address, for CIDR checks"},
      {F::kFdCnet, "fd.cnet", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "client address, for CIDR checks"},
      {F::kFdRnet, "fd.rnet", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "remote address, for CIDR checks"},
      {F::kFdLnet, "fd.lnet", T::kIp, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "local address, for CIDR checks"},
      {F::kFdSport, "fd.sport", T::kInt, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "server port"},
      {F::kFdCport, "fd.cport", T::kInt, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "client port"},
      {F::kFdRport, "fd.rport", T::kInt, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "remote port"},
      {F::kFdLport, "fd.lport", T::kInt, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "local port"},
      {F::kFdPort, "fd.port", T::kInt, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the server port (Falco: either port; the client's is ephemeral)"},
      {F::kFdConnected, "fd.connected", T::kBool, A::kNone, S, R::kNever, C::kPath, true,
       "the socket has a peer (getpeername), before the call"},
      {F::kFdNameChanged, "fd.name_changed", T::kBool, A::kNone, S, R::kSyscallMemory, C::kPath,
       true,
       "the call gives the socket its name (connect) or names a destination (sendto, "
       "sendmsg); vigil keeps no per-fd history, so unlike Falco a repeated destination is "
       "true again"},
      {F::kFdSipName, "fd.sip.name", T::kString, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the server address's name, among the names the rules compare it with (resolved in "
       "the background, as Falco does)"},
      {F::kFdCipName, "fd.cip.name", T::kString, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the client address's name (as fd.sip.name)"},
      {F::kFdRipName, "fd.rip.name", T::kString, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the remote address's name (as fd.sip.name)"},
      {F::kFdLipName, "fd.lip.name", T::kString, A::kNone, S, R::kSyscallMemory, C::kPath, true,
       "the local address's name (as fd.sip.name)"},
      // container.* and k8s.*: from the runtime's state and annotations, on every channel
      {F::kContainerId, "container.id", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "container id (12 chars), host"},
      {F::kContainerFullId, "container.full_id", T::kString, A::kNone, ALL, R::kNever, C::kFree,
       true, "full container id"},
      {F::kContainerName, "container.name", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "container name"},
      {F::kContainerImage, "container.image", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "image reference"},
      {F::kContainerImageRepository, "container.image.repository", T::kString, A::kNone, ALL,
       R::kNever, C::kFree, true, "image repository"},
      {F::kContainerImageTag, "container.image.tag", T::kString, A::kNone, ALL, R::kNever, C::kFree,
       true, "image tag"},
      {F::kContainerImageDigest, "container.image.digest", T::kString, A::kNone, ALL, R::kNever,
       C::kFree, true, "image digest"},
      {F::kContainerType, "container.type", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "docker, podman, containerd or cri-o (from the runtime)"},
      {F::kContainerPrivileged, "container.privileged", T::kBool, A::kNone, ALL, R::kNever,
       C::kFree, true, "runs with all capabilities"},
      {F::kContainerStartTs, "container.start_ts", T::kInt, A::kNone, ALL, R::kNever, C::kFree,
       true, "start time, ns since epoch"},
      {F::kContainerDuration, "container.duration", T::kInt, A::kNone, ALL, R::kNever, C::kFree,
       true, "ns since the container start"},
      {F::kContainerMounts, "container.mounts", T::kString, A::kNone, ALL, R::kNever, C::kFree,
       true, "source:dest:mode:rdwr:propagation of each mount, comma separated"},
      {F::kContainerMountSource, "container.mount.source", T::kString, A::kRequiredKeyOrIndex, ALL,
       R::kNever, C::kFree, true,
       "host source of mount [N], or of the mount whose destination matches [glob]"},
      {F::kContainerMountDest, "container.mount.dest", T::kString, A::kRequiredKeyOrIndex, ALL,
       R::kNever, C::kFree, true,
       "destination of mount [N], or of the mount whose host source matches [glob]"},
      {F::kK8sPodName, "k8s.pod.name", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "pod name (CRI annotation)"},
      {F::kK8sPodUid, "k8s.pod.uid", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "pod uid (CRI annotation)"},
      {F::kK8sNsName, "k8s.ns.name", T::kString, A::kNone, ALL, R::kNever, C::kFree, true,
       "namespace (CRI annotation)"},
  });
  return t;
}

// Falco fields vigil cannot supply without a kernel driver or state it does not keep.
const std::unordered_set<std::string_view>& unsupported() {
  static const std::unordered_set<std::string_view> s = {
      "evt.latency",
      "evt.latency.s",
      "evt.latency.ns",
      "evt.deltatime",
      "evt.buffer",
      "evt.buflen",
      "evt.cpu",
      "evt.dir",
      "evt.failed",
      "evt.is_io",
      "evt.is_io_read",
      "evt.is_io_write",
      "evt.is_wait",
      "evt.is_syslog",
      "evt.count",
      "evt.around",
      "evt.abspath",
      "evt.abspath.src",
      "evt.abspath.dst",
      "evt.info",
      "evt.plugininfo",
      "evt.pluginname",
      "evt.is_async",
      "evt.category",
      "evt.datetime",
      "evt.datetime.s",
      "evt.reltime",
      "evt.wait_latency",
      "evt.asynctype",
      "evt.arg_count",
      "evt.outputtime",
      "proc.exeline",
      "proc.loginshellid",
      "proc.nthreads",
      "proc.nchilds",
      "proc.fdopencount",
      "proc.fdlimit",
      "proc.fdusage",
      "proc.fdopenlimit",
      "proc.vmsize",
      "proc.vmrss",
      "proc.vmswap",
      "proc.pfmajor",
      "proc.pfminor",
      "proc.stdin.type",
      "proc.stdin.name",
      "proc.stdout.type",
      "proc.stdout.name",
      "proc.stderr.type",
      "proc.stderr.name",
      "proc.is_sid_leader",
      "proc.pid.ts",
      "proc.ppid.ts",
      "proc.cmdnargs",
      "proc.cmdlenargs",
      "proc.pvpid",
      "proc.pgid",
      "proc.pgid.name",
      "proc.pgid.exe",
      "proc.is_pgid_leader",
      "proc.sid.exe",
      "proc.sid.exepath",
      "proc.vpgid.exepath",
      "proc.exe_ino.ctime_duration_pidns_start",
      "proc.pidns_init_start_ts",
      "proc.is_container_healthcheck",
      "proc.is_container_liveness_probe",
      "proc.is_container_readiness_probe",
      "proc.fd.name",
      "proc.ancestor",
      "thread.ismain",
      "thread.exectime",
      "thread.totexectime",
      "thread.cgroups",
      "thread.cgroup",
      "thread.nametid",
      "thread.vmsize",
      "thread.vmrss",
      "thread.cpu",
      "thread.cpu.user",
      "thread.cpu.system",
      "thread.pfmajor",
      "thread.pfminor",
      "fd.types",
      "fd.uid",
      "fd.cproto",
      "fd.sproto",
      "fd.rproto",
      "fd.lproto",
      "fd.is_server",
      "fd.containername",
      "fd.containerdirectory",
      "fd.dev.major",
      "fd.dev.minor",
      "fd.is_lower_layer",
      "fdlist.nums",
      "fdlist.names",
      "fdlist.cips",
      "fdlist.sips",
      "fdlist.cports",
      "fdlist.sports",
      "user.loginuid.name",
      "container.healthcheck",
      "container.liveness_probe",
      "container.readiness_probe",
      "container.host_pid",
      "container.host_network",
      "container.host_ipc",
      "container.ip",
      "container.cni.json",
      "container.label",
      "container.labels",
      "container.mount",
      "container.mount.mode",
      "container.mount.rdwr",
      "container.mount.propagation",
      "container.image.id",
      "container.cpu.shares",
      "container.memory.limit",
      "container.cpu.quota",
      "container.cpu.period",
      "container.ip",
      "container.size.rw",
      "k8s.pod.label",
      "k8s.pod.labels",
      "k8s.pod.ip",
      "k8s.pod.cni.json",
      "k8s.pod.sandbox_id",
      "k8s.pod.full_sandbox_id",
      "k8s.rc.name",
      "k8s.rc.id",
      "k8s.rc.label",
      "k8s.rc.labels",
      "k8s.svc.name",
      "k8s.svc.id",
      "k8s.svc.label",
      "k8s.svc.labels",
      "k8s.ns.id",
      "k8s.ns.label",
      "k8s.ns.labels",
      "k8s.rs.name",
      "k8s.rs.id",
      "k8s.rs.label",
      "k8s.rs.labels",
      "k8s.deployment.name",
      "k8s.deployment.id",
      "k8s.deployment.label",
      "k8s.deployment.labels",
      "syslog.facility",
      "syslog.severity",
      "syslog.message",
      "span.id",
      "span.time",
      "span.ntags",
      "span.tags",
      "span.tag",
      "span.duration",
  };
  return s;
}

const std::unordered_map<std::string_view, FieldId>& index() {
  static const auto m = [] {
    std::unordered_map<std::string_view, FieldId> out;
    const auto& t = table();
    for (size_t i = 0; i < t.size(); ++i) out.emplace(t[i].name, FieldId(i));
    return out;
  }();
  return m;
}

}  // namespace

const std::vector<FieldInfo>& supported_fields() { return table(); }
const FieldInfo& field_info(FieldId id) { return table().at(id); }

std::optional<FieldLookup> find_field(std::string_view name) {
  const auto& idx = index();
  if (auto it = idx.find(name); it != idx.end()) {
    return FieldLookup{it->second, &table()[it->second], {}};
  }
  // evt.arg.flags: a field that takes a key, with the key after the last dot.
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  if (auto it = idx.find(name.substr(0, dot)); it != idx.end()) {
    const auto& info = table()[it->second];
    if (info.arg == FieldArg::kRequiredKeyOrIndex) {
      return FieldLookup{it->second, &info, std::string(name.substr(dot + 1))};
    }
  }
  return std::nullopt;
}

bool is_known_unsupported(std::string_view name) {
  const auto& s = unsupported();
  if (s.count(name)) return true;
  if (index().count(name)) return false;  // container.mount.dest is not container.mount's key
  // k8s.pod.label.app, container.label.foo: keyed forms of unsupported fields.
  auto dot = name.rfind('.');
  return dot != std::string_view::npos && s.count(name.substr(0, dot));
}

bool has_known_field_class(std::string_view name) {
  static constexpr std::string_view kClasses[] = {
      "evt", "proc",      "thread", "user",   "group", "fd",    "fdlist",
      "fs",  "container", "k8s",    "syslog", "span",  "mesos", "syscall"};
  auto dot = name.find('.');
  auto cls = name.substr(0, dot);
  return std::find(std::begin(kClasses), std::end(kClasses), cls) != std::end(kClasses);
}

bool is_racy(const FieldInfo& info, const FieldLookup& ref, Channel channel,
             const EventTypeInfo& evt, int32_t index) {
  if (channel != Channel::kSyscall) return false;
  switch (info.race) {
    case Race::kNever:
      return false;
    case Race::kSyscallMemory:
      return true;
    case Race::kExecImage:
      return evt.exec;
    case Race::kArgument: {
      if (info.id == F::kEvtArgs) {
        return std::any_of(evt.args.begin(), evt.args.end(),
                           [](const ArgInfo& a) { return a.from_memory; });
      }
      if (info.id == F::kEvtIsOpenRead || info.id == F::kEvtIsOpenWrite ||
          info.id == F::kEvtIsOpenExec) {
        // open flags are a register argument except for openat2 (struct open_how).
        for (const auto& a : evt.args)
          if (a.name == "flags") return a.from_memory;
        return false;
      }
      if (index >= 0) {
        return size_t(index) >= evt.args.size() || evt.args[size_t(index)].from_memory;
      }
      for (const auto& a : evt.args)
        if (a.name == ref.key) return a.from_memory;
      // An argument this event type does not have is always missing (<NA>): nothing the
      // target can change (a rule covering several event types names each one's own).
      return false;
    }
  }
  return true;
}

}  // namespace vigil::fields
