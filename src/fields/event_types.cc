// The table of event types. Argument names follow Falco's event table so that
// evt.arg.<name> in existing rules means the same thing here.
#include "src/fields/event_types.h"

#include <string_view>
#include <unordered_map>

namespace vigil::fields {
namespace {

constexpr ChannelMask kOpenPerm = channel_bit(Channel::kFileOpen);
constexpr ChannelMask kExecPerm = channel_bit(Channel::kFileExec);
constexpr ChannelMask kModify = channel_bit(Channel::kFileModify);

constexpr ArgInfo R(std::string_view n) { return {n, false}; }  // register argument
constexpr ArgInfo M(std::string_view n) { return {n, true}; }   // read from target memory

std::vector<EventTypeInfo> build() {
  return {
      // Files: fanotify reports the object actually opened, race-free.
      {"open", "open", kOpenPerm, {M("name"), R("flags"), R("mode")}, false},
      {"openat", "openat", kOpenPerm, {R("dirfd"), M("name"), R("flags"), R("mode")}, false},
      {"openat2",
       "openat2",
       kOpenPerm,
       {R("dirfd"), M("name"), M("flags"), M("mode"), M("resolve")},
       false},
      {"creat", "creat", kOpenPerm, {M("name"), R("mode")}, false},
      {"open_by_handle_at",
       "open_by_handle_at",
       kOpenPerm,
       {R("mountfd"), M("handle"), R("flags")},
       false},
      {"execve", "execve", kExecPerm, {M("filename")}, true},
      {"execveat",
       "execveat",
       kExecPerm,
       {R("dirfd"), M("pathname"), M("argv"), M("envp"), R("flags")},
       true},
      // write cannot be NOTIFYed (runc rejects it); fanotify reports it after the fact.
      {"write", "", kModify, {R("fd"), M("data")}, false},
      // Path-taking syscalls: seccomp only.
      {"mkdir", "mkdir", 0, {M("path"), R("mode")}, false},
      {"mkdirat", "mkdirat", 0, {R("dirfd"), M("path"), R("mode")}, false},
      {"rmdir", "rmdir", 0, {M("path")}, false},
      {"unlink", "unlink", 0, {M("path")}, false},
      {"unlinkat", "unlinkat", 0, {R("dirfd"), M("name"), R("flags")}, false},
      {"rename", "rename", 0, {M("oldpath"), M("newpath")}, false},
      {"renameat",
       "renameat",
       0,
       {R("olddirfd"), M("oldpath"), R("newdirfd"), M("newpath")},
       false},
      {"renameat2",
       "renameat2",
       0,
       {R("olddirfd"), M("oldpath"), R("newdirfd"), M("newpath"), R("flags")},
       false},
      {"symlink", "symlink", 0, {M("target"), M("linkpath")}, false},
      {"symlinkat", "symlinkat", 0, {M("target"), R("linkdirfd"), M("linkpath")}, false},
      {"link", "link", 0, {M("oldpath"), M("newpath")}, false},
      {"linkat",
       "linkat",
       0,
       {R("olddir"), M("oldpath"), R("newdir"), M("newpath"), R("flags")},
       false},
      {"chmod", "chmod", 0, {M("filename"), R("mode")}, false},
      {"fchmod", "fchmod", 0, {R("fd"), R("mode")}, false},
      {"fchmodat", "fchmodat", 0, {R("dirfd"), M("filename"), R("mode")}, false},
      {"chown", "chown", 0, {M("path"), R("uid"), R("gid")}, false},
      {"lchown", "lchown", 0, {M("path"), R("uid"), R("gid")}, false},
      {"fchown", "fchown", 0, {R("fd"), R("uid"), R("gid")}, false},
      {"fchownat",
       "fchownat",
       0,
       {R("dirfd"), M("pathname"), R("uid"), R("gid"), R("flags")},
       false},
      {"truncate", "truncate", 0, {M("path"), R("length")}, false},
      {"mknod", "mknod", 0, {M("path"), R("mode"), R("dev")}, false},
      {"mknodat", "mknodat", 0, {R("dirfd"), M("path"), R("mode"), R("dev")}, false},
      {"chdir", "chdir", 0, {M("path")}, false},
      {"chroot", "chroot", 0, {M("path")}, false},
      {"pivot_root", "pivot_root", 0, {M("new_root"), M("put_old")}, false},
      {"mount", "mount", 0, {M("dev"), M("dir"), M("type"), R("flags"), M("data")}, false},
      {"umount2", "umount2", 0, {M("name"), R("flags")}, false},
      {"umount", "umount2", 0, {M("name"), R("flags")}, false},
      {"fsopen", "fsopen", 0, {M("fsname"), R("flags")}, false},
      {"fsmount", "fsmount", 0, {R("fs_fd"), R("flags"), R("attr_flags")}, false},
      {"move_mount",
       "move_mount",
       0,
       {R("from_dfd"), M("from_path"), R("to_dfd"), M("to_path"), R("flags")},
       false},
      {"open_tree", "open_tree", 0, {R("dfd"), M("filename"), R("flags")}, false},
      {"fspick", "fspick", 0, {R("dfd"), M("path"), R("flags")}, false},
      {"fsconfig", "fsconfig", 0, {R("fs_fd"), R("cmd"), M("key"), M("value"), R("aux")}, false},
      {"mount_setattr",
       "mount_setattr",
       0,
       {R("dfd"), M("path"), R("flags"), M("uattr"), R("usize")},
       false},
      // Processes and namespaces: decisions on register arguments are sound.
      {"clone", "clone", 0, {R("flags")}, false},
      {"clone3", "clone3", 0, {M("flags")}, false},
      {"fork", "fork", 0, {}, false},
      {"vfork", "vfork", 0, {}, false},
      {"unshare", "unshare", 0, {R("flags")}, false},
      {"setns", "setns", 0, {R("fd"), R("nstype")}, false},
      {"ptrace", "ptrace", 0, {R("request"), R("pid"), R("addr"), R("data")}, false},
      {"process_vm_readv", "process_vm_readv", 0, {R("pid")}, false},
      {"process_vm_writev", "process_vm_writev", 0, {R("pid")}, false},
      {"kill", "kill", 0, {R("pid"), R("sig")}, false},
      {"tkill", "tkill", 0, {R("tid"), R("sig")}, false},
      {"tgkill", "tgkill", 0, {R("pid"), R("tid"), R("sig")}, false},
      {"pidfd_open", "pidfd_open", 0, {R("pid"), R("flags")}, false},
      {"pidfd_getfd", "pidfd_getfd", 0, {R("pidfd"), R("targetfd"), R("flags")}, false},
      {"setuid", "setuid", 0, {R("uid")}, false},
      {"setgid", "setgid", 0, {R("gid")}, false},
      {"setreuid", "setreuid", 0, {R("ruid"), R("euid")}, false},
      {"setregid", "setregid", 0, {R("rgid"), R("egid")}, false},
      {"setresuid", "setresuid", 0, {R("ruid"), R("euid"), R("suid")}, false},
      {"setresgid", "setresgid", 0, {R("rgid"), R("egid"), R("sgid")}, false},
      {"capset", "capset", 0, {M("header"), M("data")}, false},
      {"prctl", "prctl", 0, {R("option"), R("arg2")}, false},
      {"personality", "personality", 0, {R("persona")}, false},
      {"seccomp", "seccomp", 0, {R("op"), R("flags")}, false},
      {"memfd_create", "memfd_create", 0, {M("name"), R("flags")}, false},
      {"mprotect", "mprotect", 0, {R("addr"), R("length"), R("prot")}, false},
      {"userfaultfd", "userfaultfd", 0, {R("flags")}, false},
      {"io_uring_setup", "io_uring_setup", 0, {R("entries"), M("params")}, false},
      // Kernel and host: module loading, BPF, perf, keys, clocks.
      {"init_module", "init_module", 0, {M("img"), R("length"), M("uargs")}, false},
      {"finit_module", "finit_module", 0, {R("fd"), M("uargs"), R("flags")}, false},
      {"delete_module", "delete_module", 0, {M("name"), R("flags")}, false},
      {"bpf", "bpf", 0, {R("cmd")}, false},
      {"perf_event_open", "perf_event_open", 0, {M("attr"), R("pid"), R("cpu")}, false},
      {"keyctl", "keyctl", 0, {R("operation")}, false},
      {"add_key", "add_key", 0, {M("type"), M("description")}, false},
      {"request_key", "request_key", 0, {M("type"), M("description")}, false},
      {"kexec_load", "kexec_load", 0, {R("entry"), R("nr_segments")}, false},
      {"kexec_file_load", "kexec_file_load", 0, {R("kernel_fd"), R("initrd_fd")}, false},
      {"reboot", "reboot", 0, {R("magic"), R("magic2"), R("cmd")}, false},
      {"swapon", "swapon", 0, {M("path"), R("flags")}, false},
      {"swapoff", "swapoff", 0, {M("path")}, false},
      {"sethostname", "sethostname", 0, {M("name")}, false},
      {"setdomainname", "setdomainname", 0, {M("name")}, false},
      {"settimeofday", "settimeofday", 0, {M("tv")}, false},
      {"clock_settime", "clock_settime", 0, {R("clockid"), M("tp")}, false},
      {"syslog", "syslog", 0, {R("type")}, false},
      {"iopl", "iopl", 0, {R("level")}, false},
      {"ioperm", "ioperm", 0, {R("from"), R("num"), R("turn_on")}, false},
      {"quotactl", "quotactl", 0, {R("cmd"), M("special")}, false},
      {"acct", "acct", 0, {M("filename")}, false},
      {"fanotify_init", "fanotify_init", 0, {R("flags"), R("event_f_flags")}, false},
      // Network: the socket is inspected through pidfd_getfd; addresses come from memory.
      {"socket", "socket", 0, {R("domain"), R("type"), R("proto")}, false},
      {"socketpair", "socketpair", 0, {R("domain"), R("type"), R("proto")}, false},
      {"connect", "connect", 0, {R("fd"), M("addr")}, false},
      {"bind", "bind", 0, {R("fd"), M("addr")}, false},
      {"listen", "listen", 0, {R("fd"), R("backlog")}, false},
      {"accept", "accept", 0, {R("fd")}, false},
      {"accept4", "accept4", 0, {R("fd"), R("flags")}, false},
      {"sendto", "sendto", 0, {R("fd"), M("data"), R("size"), R("flags"), M("tuple")}, false},
      {"sendmsg", "sendmsg", 0, {R("fd"), M("msg"), R("flags")}, false},
      {"dup", "dup", 0, {R("fd")}, false},
      {"dup2", "dup2", 0, {R("oldfd"), R("newfd")}, false},
      {"dup3", "dup3", 0, {R("oldfd"), R("newfd"), R("flags")}, false},
  };
}

bool any_of(std::string_view s, std::initializer_list<std::string_view> names) {
  for (auto n : names)
    if (s == n) return true;
  return false;
}

// Argument names decide, once per event type, where each field's value is and how each
// argument renders: extraction then reads positions and never compares names.
void derive_layout(EventTypeInfo& t) {
  ArgLayout& l = t.layout;
  for (size_t i = 0; i < t.args.size(); ++i) {
    ArgInfo& a = t.args[i];
    const auto at = int8_t(i);
    if (a.from_memory) {
      if (l.path < 0 && any_of(a.name, {"name", "path", "filename", "pathname", "target", "oldpath",
                                        "dir", "new_root"})) {
        l.path = at;
      }
      if (any_of(a.name, {"newpath", "linkpath"})) l.target = at;
      if (a.name == "argv") l.exec_argv = at;
      continue;
    }
    if (l.dirfd < 0 && any_of(a.name, {"dirfd", "olddirfd", "olddir"})) l.dirfd = at;
    if (any_of(a.name, {"newdirfd", "newdir", "linkdirfd"})) l.target_dirfd = at;
    if (a.name == "flags") l.flags = at;
    if (l.file_fd < 0 && any_of(a.name, {"oldfd", "fd"})) l.file_fd = at;
    if (a.name == "flags" && any_of(t.name, {"open", "openat"})) {
      a.render = ArgRender::kOpenFlags;
    } else if (a.name == "flags" && t.name == "execveat") {
      a.render = ArgRender::kAtFlags;
    } else if ((a.name == "flags" && any_of(t.name, {"unshare", "clone"})) ||
               (a.name == "nstype" && t.name == "setns")) {
      a.render = ArgRender::kCloneFlags;
    } else if (a.name == "request" && t.name == "ptrace") {
      a.render = ArgRender::kPtraceRequest;
    } else if (a.name == "domain" && any_of(t.name, {"socket", "socketpair"})) {
      a.render = ArgRender::kSocketDomain;
    } else if (a.name == "mode") {
      a.render = ArgRender::kOctal;
    } else if (a.name.find("fd") != std::string_view::npos || any_of(a.name, {"pid", "tid"})) {
      a.render = ArgRender::kInt;
    }
  }
  // dup's oldfd comes before a generic fd.
  for (size_t i = 0; i < t.args.size(); ++i) {
    if (!t.args[i].from_memory && t.args[i].name == "oldfd") l.file_fd = int8_t(i);
  }
  if (t.exec) {
    l.exec_filename = l.path;
    if (l.exec_argv < 0) l.exec_argv = int8_t(l.path + 1);  // execve(filename, argv, envp)
  }
  l.symlink = any_of(t.name, {"symlink", "symlinkat"});
  t.cache_effect = any_of(t.name, {"rename", "renameat", "renameat2"}) ? CacheEffect::kRename
                   : any_of(t.name, {"link", "linkat"})                ? CacheEffect::kLink
                   : t.name == "io_uring_setup"                        ? CacheEffect::kRing
                                                                       : CacheEffect::kNone;
}

}  // namespace

const std::vector<EventTypeInfo>& event_types() {
  static const std::vector<EventTypeInfo> table = [] {
    auto t = build();
    if (t.size() > kMaxEventTypes) abort();  // a programming error, caught by every test
    for (auto& e : t) derive_layout(e);
    return t;
  }();
  return table;
}

std::optional<EventTypeId> find_event_type(std::string_view name) {
  static const auto index = [] {
    std::unordered_map<std::string_view, EventTypeId> m;
    const auto& t = event_types();
    for (size_t i = 0; i < t.size(); ++i) m.emplace(t[i].name, EventTypeId(i));
    return m;
  }();
  auto it = index.find(name);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

const EventTypeInfo& event_type(EventTypeId id) { return event_types().at(id); }

EventTypeSet all_event_types() {
  EventTypeSet s;
  for (size_t i = 0; i < event_types().size(); ++i) s.set(i);
  return s;
}

const std::vector<std::string_view>& cache_barrier_syscalls() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& t : event_types()) {
      if (t.cache_effect != CacheEffect::kNone && !t.syscall.empty()) out.push_back(t.syscall);
    }
    return out;
  }();
  return names;
}

ChannelMask event_type_channels(EventTypeId id) {
  const auto& t = event_type(id);
  ChannelMask m = 0;
  if (!t.syscall.empty()) m |= channel_bit(Channel::kSyscall);
  return m | t.file_channels;
}

}  // namespace vigil::fields
