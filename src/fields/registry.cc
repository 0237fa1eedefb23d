// The registry over the field table (field_table.inc): its rows, by id and by name.
#include "src/fields/registry.h"

#include <algorithm>
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

// Each row's field class, from its name's prefix. The table and the ids are one list
// (field_table.inc), so a row's place is its id by construction.
std::vector<FieldInfo> classified(std::vector<FieldInfo> t) {
  static_assert(size_t(F::kCount) > 0, "the field table is empty");
  static constexpr std::pair<std::string_view, FieldClass> kClasses[] = {
      {"evt.", FieldClass::kEvt},        {"proc.", FieldClass::kProc},
      {"thread.", FieldClass::kThread},  {"user.", FieldClass::kUser},
      {"group.", FieldClass::kGroup},    {"fd.", FieldClass::kFd},
      {"fs.path.", FieldClass::kFsPath}, {"container.", FieldClass::kContainer},
      {"k8s.", FieldClass::kK8s},
  };
  for (auto& row : t) {
    for (const auto& [prefix, cls] : kClasses) {
      if (row.name.rfind(prefix, 0) == 0) row.cls = cls;
    }
  }
  return t;
}

const std::vector<FieldInfo>& table() {
  static const std::vector<FieldInfo> t = classified({
#define VIGIL_FIELD(id, name, type, arg, channels, race, cost, cache_known, description) \
  {F::id, name, T::type, A::arg, channels, R::race, C::cost, cache_known, description},
#include "src/fields/field_table.inc"
#undef VIGIL_FIELD
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
