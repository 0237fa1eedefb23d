// The field table. Types follow Falco's, simplified to what comparisons need: numbers
// (including times and ports), strings (including flag and errno renderings), booleans,
// addresses. Fields are grouped as Falco's field classes are.
#include "src/fields/registry.h"

#include <algorithm>
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

const std::vector<FieldInfo>& table() {
  static const std::vector<FieldInfo> t = {
      // evt.*
      {"evt.type", T::kString, A::kNone, ALL, R::kNever, "event type (syscall name)"},
      {"evt.num", T::kInt, A::kNone, ALL, R::kNever, "event sequence number"},
      {"evt.time", T::kString, A::kNone, ALL, R::kNever, "event time, human readable"},
      {"evt.rawtime", T::kInt, A::kNone, ALL, R::kNever, "event time, ns since the epoch"},
      {"evt.hostname", T::kString, A::kNone, ALL, R::kNever, "the node's hostname"},
      {"evt.source", T::kString, A::kNone, ALL, R::kNever, "always \"syscall\""},
      {"evt.res", T::kString, A::kNone, ALL, R::kNever,
       "decision-time result: SUCCESS (vigil decides before the call returns)"},
      {"evt.rawres", T::kInt, A::kNone, ALL, R::kNever,
       "decision-time result: 0, or the target fd of dup2/dup3"},
      // On file opens from the registers of the opener's blocked open call (openat2 and
      // unknown callers count as read and write: blocks fail closed).
      {"evt.is_open_read", T::kBool, A::kNone, S | FO, R::kArgument, "open flags include read"},
      {"evt.is_open_write", T::kBool, A::kNone, S | FO, R::kArgument,
       "open flags include write, O_CREAT or O_TRUNC"},
      {"evt.is_open_exec", T::kBool, A::kNone, S | FO, R::kArgument, "open flags include exec"},
      {"evt.arg", T::kString, A::kRequiredKeyOrIndex, S, R::kArgument,
       "an argument, rendered as Falco does (flags by name)"},
      {"evt.rawarg", T::kInt, A::kRequiredKeyOrIndex, S, R::kArgument, "an argument, raw"},
      {"evt.args", T::kString, A::kNone, S, R::kArgument, "all arguments, rendered"},
      // proc.*
      {"proc.pid", T::kInt, A::kNone, ALL, R::kNever, "process id (host)"},
      {"proc.vpid", T::kInt, A::kNone, ALL, R::kNever, "process id in its pid namespace"},
      {"proc.ppid", T::kInt, A::kNone, ALL, R::kNever, "parent process id"},
      {"proc.name", T::kString, A::kNone, NOT_FE, R::kExecImage, "process name (comm)"},
      {"proc.exe", T::kString, A::kNone, ALL, R::kExecImage, "argv[0]"},
      {"proc.exepath", T::kString, A::kNone, ALL, R::kExecImage, "executable path"},
      {"proc.cmdline", T::kString, A::kNone, NOT_FE, R::kExecImage, "name and arguments"},
      {"proc.args", T::kString, A::kNone, NOT_FE, R::kExecImage, "arguments"},
      {"proc.pname", T::kString, A::kNone, ALL, R::kNever, "parent's name"},
      {"proc.pexe", T::kString, A::kNone, ALL, R::kNever, "parent's argv[0]"},
      {"proc.pexepath", T::kString, A::kNone, ALL, R::kNever, "parent's executable path"},
      {"proc.pcmdline", T::kString, A::kNone, ALL, R::kNever, "parent's command line"},
      {"proc.aname", T::kStringList, A::kOptionalIndex, ALL, R::kNever,
       "ancestor names; [N] selects one (0 = self, 1 = parent)"},
      {"proc.apid", T::kInt, A::kRequiredIndex, ALL, R::kNever, "ancestor pid"},
      {"proc.aexe", T::kStringList, A::kOptionalIndex, ALL, R::kNever, "ancestor argv[0]"},
      {"proc.aexepath", T::kStringList, A::kOptionalIndex, ALL, R::kNever,
       "ancestor executable paths"},
      {"proc.cwd", T::kString, A::kNone, ALL, R::kNever, "working directory"},
      {"proc.tty", T::kInt, A::kNone, ALL, R::kNever, "controlling terminal, 0 if none"},
      {"proc.sid", T::kInt, A::kNone, ALL, R::kNever, "session id"},
      {"proc.sname", T::kString, A::kNone, ALL, R::kNever, "session leader's name"},
      {"proc.vpgid", T::kInt, A::kNone, ALL, R::kNever, "process group id"},
      {"proc.vpgid.name", T::kString, A::kNone, ALL, R::kNever, "process group leader name"},
      {"proc.vpgid.exe", T::kString, A::kNone, ALL, R::kNever, "process group leader argv[0]"},
      {"proc.is_vpgid_leader", T::kBool, A::kNone, ALL, R::kNever, "leads its process group"},
      {"proc.duration", T::kInt, A::kNone, ALL, R::kNever, "ns since the process started"},
      {"proc.ppid.duration", T::kInt, A::kNone, ALL, R::kNever, "ns since the parent started"},
      // On exec events: the executed file's inode changed (ctime) after the container
      // started, which is what landing in an overlay's upper layer means.
      {"proc.is_exe_upper_layer", T::kBool, A::kNone, channel_bit(Channel::kFileExec), R::kNever,
       "executable written or changed after the container started"},
      // A memfd is not on any container mount: only seccomp sees its exec.
      {"proc.is_exe_from_memfd", T::kBool, A::kNone, S, R::kExecImage, "executable is a memfd"},
      // On file events: the event's file changed after the container started (as above).
      {"fd.is_upper_layer", T::kBool, A::kNone, FO | FM | channel_bit(Channel::kFileExec),
       R::kNever, "file written or changed after the container started"},
      {"proc.exe_ino", T::kInt, A::kNone, channel_bit(Channel::kFileExec), R::kNever,
       "executable inode"},
      {"proc.exe_ino.ctime", T::kInt, A::kNone, channel_bit(Channel::kFileExec), R::kNever,
       "executable ctime (ns)"},
      {"proc.exe_ino.mtime", T::kInt, A::kNone, channel_bit(Channel::kFileExec), R::kNever,
       "executable mtime (ns)"},
      {"proc.exe_ino.ctime_duration_proc_start", T::kInt, A::kNone, ALL, R::kExecImage,
       "ns between the executable's ctime and the process start"},
      // thread.*
      {"thread.tid", T::kInt, A::kNone, ALL, R::kNever, "thread id"},
      {"thread.vtid", T::kInt, A::kNone, ALL, R::kNever, "thread id in its pid namespace"},
      {"thread.cap_effective", T::kString, A::kNone, ALL, R::kNever, "effective capabilities"},
      {"thread.cap_permitted", T::kString, A::kNone, ALL, R::kNever, "permitted capabilities"},
      {"thread.cap_inheritable", T::kString, A::kNone, ALL, R::kNever, "inheritable capabilities"},
      // user.* and group.*: names resolved through the container's own /etc/passwd, /etc/group
      {"user.uid", T::kInt, A::kNone, ALL, R::kNever, "effective user id"},
      {"user.name", T::kString, A::kNone, ALL, R::kNever, "effective user name"},
      {"user.loginuid", T::kInt, A::kNone, ALL, R::kNever, "audit login uid, -1 if unset"},
      {"user.loginname", T::kString, A::kNone, ALL, R::kNever, "audit login user name"},
      {"user.homedir", T::kString, A::kNone, ALL, R::kNever, "home directory"},
      {"user.shell", T::kString, A::kNone, ALL, R::kNever, "login shell"},
      {"group.gid", T::kInt, A::kNone, ALL, R::kNever, "effective group id"},
      {"group.name", T::kString, A::kNone, ALL, R::kNever, "effective group name"},
      // fd.*: on file channels from the event's own fd (race-free); on syscalls from arguments
      {"fd.name", T::kString, A::kNone, ALL, R::kSyscallMemory, "full path or connection"},
      {"fd.directory", T::kString, A::kNone, ALL, R::kSyscallMemory, "directory of fd.name"},
      {"fd.filename", T::kString, A::kNone, ALL, R::kSyscallMemory, "last component of fd.name"},
      {"fd.nameraw", T::kString, A::kNone, S, R::kSyscallMemory, "path exactly as passed"},
      // fs.path.*: seccomp only (a rename, link or symlink is no open).
      {"fs.path.name", T::kString, A::kNone, S, R::kSyscallMemory,
       "path a one-path file syscall works on (mkdir, unlink, ...), resolved"},
      {"fs.path.nameraw", T::kString, A::kNone, S, R::kSyscallMemory, "fs.path.name as passed"},
      {"fs.path.source", T::kString, A::kNone, S, R::kSyscallMemory,
       "rename/link: the existing path; symlink: the link's content, resolved"},
      {"fs.path.sourceraw", T::kString, A::kNone, S, R::kSyscallMemory, "fs.path.source as passed"},
      {"fs.path.target", T::kString, A::kNone, S, R::kSyscallMemory,
       "rename/link/symlink: the new name, resolved"},
      {"fs.path.targetraw", T::kString, A::kNone, S, R::kSyscallMemory, "fs.path.target as passed"},
      {"fd.num", T::kInt, A::kNone, ALL, R::kNever,
       "decision-time fd number: 0 for an open being decided (it succeeds unless denied)"},
      {"fd.typechar", T::kString, A::kNone, ALL, R::kNever, "f, 4, 6, u, p, ..."},
      {"fd.type", T::kString, A::kNone, ALL, R::kNever, "file, directory, ipv4, ipv6, unix, ..."},
      {"fd.ino", T::kInt, A::kNone, ALL, R::kNever, "inode number"},
      {"fd.dev", T::kInt, A::kNone, ALL, R::kNever, "device number"},
      {"fd.sockfamily", T::kString, A::kNone, S, R::kNever, "ip or unix"},
      {"fd.l4proto", T::kString, A::kNone, S, R::kNever, "tcp, udp, icmp, raw"},
      {"fd.sip", T::kIp, A::kNone, S, R::kSyscallMemory, "server address"},
      {"fd.cip", T::kIp, A::kNone, S, R::kSyscallMemory, "client address"},
      {"fd.rip", T::kIp, A::kNone, S, R::kSyscallMemory, "remote address"},
      {"fd.lip", T::kIp, A::kNone, S, R::kSyscallMemory, "local address"},
      {"fd.ip", T::kIp, A::kNone, S, R::kSyscallMemory, "either address (matches if any)"},
      {"fd.net", T::kIp, A::kNone, S, R::kSyscallMemory, "either address, for CIDR checks"},
      {"fd.snet", T::kIp, A::kNone, S, R::kSyscallMemory, "server address, for CIDR checks"},
      {"fd.cnet", T::kIp, A::kNone, S, R::kSyscallMemory, "client address, for CIDR checks"},
      {"fd.rnet", T::kIp, A::kNone, S, R::kSyscallMemory, "remote address, for CIDR checks"},
      {"fd.lnet", T::kIp, A::kNone, S, R::kSyscallMemory, "local address, for CIDR checks"},
      {"fd.sport", T::kInt, A::kNone, S, R::kSyscallMemory, "server port"},
      {"fd.cport", T::kInt, A::kNone, S, R::kSyscallMemory, "client port"},
      {"fd.rport", T::kInt, A::kNone, S, R::kSyscallMemory, "remote port"},
      {"fd.lport", T::kInt, A::kNone, S, R::kSyscallMemory, "local port"},
      // container.* and k8s.*: from the runtime's state and annotations, on every channel
      {"container.id", T::kString, A::kNone, ALL, R::kNever, "container id (12 chars), host"},
      {"container.full_id", T::kString, A::kNone, ALL, R::kNever, "full container id"},
      {"container.name", T::kString, A::kNone, ALL, R::kNever, "container name"},
      {"container.image", T::kString, A::kNone, ALL, R::kNever, "image reference"},
      {"container.image.repository", T::kString, A::kNone, ALL, R::kNever, "image repository"},
      {"container.image.tag", T::kString, A::kNone, ALL, R::kNever, "image tag"},
      {"container.image.digest", T::kString, A::kNone, ALL, R::kNever, "image digest"},
      {"container.type", T::kString, A::kNone, ALL, R::kNever, "runtime: runc, crun, ..."},
      {"container.privileged", T::kBool, A::kNone, ALL, R::kNever, "runs with all capabilities"},
      {"container.start_ts", T::kInt, A::kNone, ALL, R::kNever, "start time, ns since epoch"},
      {"container.duration", T::kInt, A::kNone, ALL, R::kNever, "ns since the container start"},
      {"k8s.pod.name", T::kString, A::kNone, ALL, R::kNever, "pod name (CRI annotation)"},
      {"k8s.pod.uid", T::kString, A::kNone, ALL, R::kNever, "pod uid (CRI annotation)"},
      {"k8s.ns.name", T::kString, A::kNone, ALL, R::kNever, "namespace (CRI annotation)"},
  };
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
      "proc.env",
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
      "fd.sip.name",
      "fd.cip.name",
      "fd.rip.name",
      "fd.lip.name",
      "fd.connected",
      "fd.name_changed",
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
      "container.mounts",
      "container.mount.source",
      "container.mount.dest",
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
      if (info.name == "evt.args") {
        return std::any_of(evt.args.begin(), evt.args.end(),
                           [](const ArgInfo& a) { return a.from_memory; });
      }
      if (info.name.rfind("evt.is_open_", 0) == 0) {
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
