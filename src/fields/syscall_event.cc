// Field extraction for seccomp events. proc.* for an execve describe the program being
// started (read from the caller's memory), as Falco's spawned_process does on exit.
#include "src/fields/syscall_event.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "src/fields/proc_reader.h"
#include "src/fields/registry.h"

namespace vigil::fields {
namespace {

std::string flags_to_names(uint64_t value, const std::vector<std::pair<uint64_t, const char*>>& f,
                           const char* zero = nullptr) {
  std::string out;
  for (const auto& [bit, name] : f) {
    if (bit && (value & bit) == bit) {
      if (!out.empty()) out += '|';
      out += name;
      value &= ~bit;
    }
  }
  if (value) {
    if (!out.empty()) out += '|';
    out += std::to_string(value);
  }
  if (out.empty() && zero) out = zero;
  return out;
}

std::string open_flags(uint64_t v) {
  std::string mode = (v & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                     : (v & O_ACCMODE) == O_RDWR ? "O_RDWR"
                                                 : "O_RDONLY";
  std::string rest = flags_to_names(v & ~uint64_t(O_ACCMODE), {{O_CREAT, "O_CREAT"},
                                                               {O_EXCL, "O_EXCL"},
                                                               {O_NOCTTY, "O_NOCTTY"},
                                                               {O_TRUNC, "O_TRUNC"},
                                                               {O_APPEND, "O_APPEND"},
                                                               {O_NONBLOCK, "O_NONBLOCK"},
                                                               {O_DSYNC, "O_DSYNC"},
                                                               {O_DIRECT, "O_DIRECT"},
                                                               {O_LARGEFILE, "O_LARGEFILE"},
                                                               {O_DIRECTORY, "O_DIRECTORY"},
                                                               {O_NOFOLLOW, "O_NOFOLLOW"},
                                                               {O_NOATIME, "O_NOATIME"},
                                                               {O_CLOEXEC, "O_CLOEXEC"},
                                                               {O_PATH, "O_PATH"},
                                                               {__O_TMPFILE, "O_TMPFILE"}});
  return rest.empty() ? mode : mode + "|" + rest;
}

std::string clone_flags(uint64_t v) {
  return flags_to_names(v & ~uint64_t(0xff),
                        {{CLONE_VM, "CLONE_VM"},
                         {CLONE_FS, "CLONE_FS"},
                         {CLONE_FILES, "CLONE_FILES"},
                         {CLONE_SIGHAND, "CLONE_SIGHAND"},
                         {CLONE_PTRACE, "CLONE_PTRACE"},
                         {CLONE_VFORK, "CLONE_VFORK"},
                         {CLONE_PARENT, "CLONE_PARENT"},
                         {CLONE_THREAD, "CLONE_THREAD"},
                         {CLONE_NEWNS, "CLONE_NEWNS"},
                         {CLONE_SYSVSEM, "CLONE_SYSVSEM"},
                         {CLONE_SETTLS, "CLONE_SETTLS"},
                         {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
                         {CLONE_NEWUTS, "CLONE_NEWUTS"},
                         {CLONE_NEWIPC, "CLONE_NEWIPC"},
                         {CLONE_NEWUSER, "CLONE_NEWUSER"},
                         {CLONE_NEWPID, "CLONE_NEWPID"},
                         {CLONE_NEWNET, "CLONE_NEWNET"},
                         {CLONE_IO, "CLONE_IO"}},
                        "0");
}

const char* ptrace_request(uint64_t r) {
  switch (r) {
    case PTRACE_TRACEME:
      return "PTRACE_TRACEME";
    case PTRACE_PEEKTEXT:
      return "PTRACE_PEEKTEXT";
    case PTRACE_PEEKDATA:
      return "PTRACE_PEEKDATA";
    case PTRACE_PEEKUSER:
      return "PTRACE_PEEKUSR";
    case PTRACE_POKETEXT:
      return "PTRACE_POKETEXT";
    case PTRACE_POKEDATA:
      return "PTRACE_POKEDATA";
    case PTRACE_POKEUSER:
      return "PTRACE_POKEUSR";
    case PTRACE_CONT:
      return "PTRACE_CONT";
    case PTRACE_KILL:
      return "PTRACE_KILL";
    case PTRACE_SINGLESTEP:
      return "PTRACE_SINGLESTEP";
    case PTRACE_GETREGS:
      return "PTRACE_GETREGS";
    case PTRACE_SETREGS:
      return "PTRACE_SETREGS";
    case PTRACE_ATTACH:
      return "PTRACE_ATTACH";
    case PTRACE_DETACH:
      return "PTRACE_DETACH";
    case PTRACE_SYSCALL:
      return "PTRACE_SYSCALL";
    case PTRACE_SETOPTIONS:
      return "PTRACE_SETOPTIONS";
    case PTRACE_SEIZE:
      return "PTRACE_SEIZE";
    case PTRACE_INTERRUPT:
      return "PTRACE_INTERRUPT";
    default:
      return nullptr;
  }
}

const char* socket_domain(uint64_t d) {
  switch (d) {
    case AF_UNIX:
      return "AF_UNIX";
    case AF_INET:
      return "AF_INET";
    case AF_INET6:
      return "AF_INET6";
    case AF_NETLINK:
      return "AF_NETLINK";
    case AF_PACKET:
      return "AF_PACKET";
    default:
      return nullptr;
  }
}

std::string render_arg(const std::string& evt, const std::string& name, uint64_t v) {
  if (name == "flags" && (evt == "open" || evt == "openat")) return open_flags(v);
  if ((name == "flags" && (evt == "unshare" || evt == "clone")) ||
      (name == "nstype" && evt == "setns")) {
    return clone_flags(v);
  }
  if (name == "request" && evt == "ptrace") {
    if (const char* n = ptrace_request(v)) return n;
  }
  if (name == "domain" && (evt == "socket" || evt == "socketpair")) {
    if (const char* n = socket_domain(v)) return n;
  }
  if (name == "mode") {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "0%llo", static_cast<unsigned long long>(v));
    return buf;
  }
  if (name.find("fd") != std::string::npos || name == "pid" || name == "tid") {
    return std::to_string(int64_t(int32_t(v)));  // descriptors and pids are C ints
  }
  return std::to_string(v);
}

// The argument that holds the syscall's path, and the one that holds its dirfd (-1 if none).
std::pair<int, int> path_arg_positions(const EventTypeInfo& t) {
  static const char* const kPathNames[] = {"name",   "path",    "filename", "pathname",
                                           "target", "oldpath", "dir",      "new_root"};
  int path = -1, dirfd = -1;
  for (size_t i = 0; i < t.args.size(); ++i) {
    const auto& a = t.args[i];
    if (path < 0 && a.from_memory) {
      for (const char* n : kPathNames) {
        if (a.name == n) path = int(i);
      }
    }
    if (dirfd < 0 && (a.name == "dirfd" || a.name == "olddirfd" || a.name == "olddir")) {
      dirfd = int(i);
    }
  }
  return {path, dirfd};
}

}  // namespace

std::optional<EventTypeId> event_type_of(uint32_t arch, int nr) {
  // The native architecture is a lock-free table built once; others go through a map.
  static constexpr int kNative = 512;
  static const auto native = [] {
    std::array<int16_t, kNative> t;
    t.fill(-1);
    for (int i = 0; i < kNative; ++i) {
      if (char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, i)) {
        if (auto id = find_event_type(name)) t[size_t(i)] = int16_t(*id);
        std::free(name);
      }
    }
    return t;
  }();
  static const uint32_t native_arch = seccomp_arch_native();
  if (arch == native_arch && nr >= 0 && nr < kNative) {
    const int16_t id = native[size_t(nr)];
    if (id < 0) return std::nullopt;
    return EventTypeId(id);
  }
  static std::mutex mu;
  static std::unordered_map<uint64_t, std::optional<EventTypeId>> cache;
  const uint64_t key = (uint64_t(arch) << 32) | uint32_t(nr);
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::optional<EventTypeId> out;
  if (char* name = seccomp_syscall_resolve_num_arch(arch, nr)) {
    out = find_event_type(name);
    std::free(name);
  }
  cache.emplace(key, out);
  return out;
}

SyscallEvent::SyscallEvent(const seccomp_notif& req, int notify_fd, const ContainerInfo& container,
                           uint64_t number)
    : req_(req),
      notify_fd_(notify_fd),
      container_(container),
      number_(number),
      pid_(pid_t(req.pid)) {
  if (auto t = event_type_of(req.data.arch, req.data.nr)) {
    type_ = *t;
    known_ = true;
  } else {
    type_ = EventTypeId(kMaxEventTypes);
  }
}

bool SyscallEvent::still_valid() const {
  uint64_t id = req_.id;
  return ::ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

bool SyscallEvent::read_string(uint64_t addr, size_t max, std::string& out) {
  if (!mem_tried_) {
    mem_tried_ = true;
    mem_.reset(::open(("/proc/" + std::to_string(pid_) + "/mem").c_str(), O_RDONLY | O_CLOEXEC));
    // seccomp_unotify(2): after opening, check that the notification is still valid, so
    // the pid was not recycled into another process between RECV and the open.
    if (mem_ && !still_valid()) mem_.reset();
  }
  if (!mem_ || addr == 0) return false;
  out.clear();
  char buf[256];
  while (out.size() < max) {
    ssize_t n = ::pread(mem_.get(), buf, sizeof(buf), off_t(addr + out.size()));
    if (n <= 0) return false;  // unmapped memory, dead process
    const char* nul = static_cast<const char*>(std::memchr(buf, 0, size_t(n)));
    if (nul) {
      out.append(buf, size_t(nul - buf));
      return out.size() < max;
    }
    out.append(buf, size_t(n));
  }
  return false;  // longer than max: not trusted as a path
}

Value SyscallEvent::str(std::string s) {
  storage_.push_front(std::move(s));
  return Value::of(storage_.front());
}

std::optional<std::string> SyscallEvent::resolve_path(int dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return normalize_path(path);
  const std::string proc = "/proc/" + std::to_string(pid_);
  std::optional<std::string> base = dirfd == AT_FDCWD
                                        ? read_link(proc + "/cwd")
                                        : read_link(proc + "/fd/" + std::to_string(dirfd));
  if (!base || base->empty() || (*base)[0] != '/') return std::nullopt;
  return normalize_path(*base + "/" + path);
}

std::optional<std::string> SyscallEvent::raw_path_arg() {
  if (!known_) return std::nullopt;
  auto [path, dirfd] = path_arg_positions(event_type(type_));
  (void)dirfd;
  if (path < 0) return std::nullopt;
  std::string s;
  if (!read_string(req_.data.args[path], kMaxPath, s)) return std::nullopt;
  return s;
}

std::optional<std::string> SyscallEvent::path_arg() {
  if (path_cache_) return *path_cache_;
  std::optional<std::string> out;
  if (auto raw = raw_path_arg()) {
    auto [path, dirfd] = path_arg_positions(event_type(type_));
    (void)path;
    int d = dirfd >= 0 ? int(int32_t(req_.data.args[dirfd])) : AT_FDCWD;
    out = resolve_path(d, *raw);
  }
  path_cache_ = out;
  return out;
}

// The process image fields, read in parts so that a rule that reads only proc.name costs
// one /proc read: `need` is kName (name), kArgs (exe, args, cmdline) or kExePath.
const SyscallEvent::Image& SyscallEvent::image(ImagePart need) {
  Image& img = image_;
  const bool exec = known_ && event_type(type_).exec;
  if (exec) {
    if (img.parts) return img;
    img.parts = kName | kArgs | kExePath;
    // The new program: filename and argv from the caller's memory.
    const bool at = event_type(type_).name == "execveat";
    std::string filename;
    if (read_string(req_.data.args[at ? 1 : 0], kMaxPath, filename)) {
      int dirfd = at ? int(int32_t(req_.data.args[0])) : AT_FDCWD;
      img.exepath = resolve_path(dirfd, filename).value_or(filename);
      std::string base = filename.substr(filename.rfind('/') + 1);
      img.name = base.substr(0, 15);  // the kernel's comm is TASK_COMM_LEN - 1
      std::vector<std::string> argv;
      uint64_t argv_addr = req_.data.args[at ? 2 : 1];
      size_t total = 0;
      for (size_t i = 0; i < kMaxArgv && argv_addr && mem_; ++i) {
        uint64_t p = 0;
        if (::pread(mem_.get(), &p, sizeof(p), off_t(argv_addr + i * 8)) != sizeof(p) || !p) break;
        std::string a;
        if (!read_string(p, kMaxArgvBytes - total, a)) break;
        total += a.size() + 1;
        argv.push_back(std::move(a));
      }
      img.exe = argv.empty() ? filename : argv[0];
      for (size_t i = 1; i < argv.size(); ++i) img.args += (i > 1 ? " " : "") + argv[i];
      img.cmdline = img.args.empty() ? img.name : img.name + " " + img.args;
      img.ok = img.ok_args = img.ok_exepath = true;
    }
    return img;
  }
  if (!(img.parts & kName)) {
    img.parts |= kName;
    if (auto comm = read_comm(pid_)) {
      img.name = *comm;
      img.ok = true;
    }
  }
  if ((need & kArgs) && !(img.parts & kArgs)) {
    img.parts |= kArgs;
    auto argv = read_cmdline(pid_);
    if (img.ok) {
      img.exe = argv.empty() ? img.name : argv[0];
      for (size_t i = 1; i < argv.size(); ++i) img.args += (i > 1 ? " " : "") + argv[i];
      img.cmdline = img.args.empty() ? img.name : img.name + " " + img.args;
      img.ok_args = true;
    }
  }
  if ((need & kExePath) && !(img.parts & kExePath)) {
    img.parts |= kExePath;
    if (auto l = read_link("/proc/" + std::to_string(pid_) + "/exe")) {
      img.exepath = *l;
      img.ok_exepath = true;
    }
  }
  return img;
}

int SyscallEvent::arg_index(const std::string& key) const {
  if (!known_) return -1;
  const auto& args = event_type(type_).args;
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].name == key) return int(i);
  return -1;
}

Value SyscallEvent::arg_value(const std::string& key, int32_t index, bool raw) {
  int i = index >= 0 ? index : arg_index(key);
  if (i < 0 || i >= 6 || !known_) return Value::none();
  const auto& t = event_type(type_);
  const uint64_t v = req_.data.args[i];
  if (raw) return Value::of_int(int64_t(v));
  if (size_t(i) < t.args.size() && t.args[size_t(i)].from_memory) {
    std::string s;
    if (!read_string(v, kMaxPath, s)) return Value::none();
    return str(std::move(s));
  }
  const std::string name = size_t(i) < t.args.size() ? std::string(t.args[size_t(i)].name) : "";
  return str(render_arg(std::string(t.name), name, v));
}

Value SyscallEvent::ancestor(int32_t index, int what) {
  pid_t p = pid_;
  for (int32_t i = 0; i < index && p > 1; ++i) {
    auto st = read_status(p);
    if (!st) return Value::none();
    p = st->ppid;
  }
  if (p <= 0) return Value::none();
  if (index == 0 && what != 3) {
    const auto& img = image(what == 0 ? kName : what == 1 ? kArgs : kExePath);
    if (what == 0) return img.ok ? str(img.name) : Value::none();
    if (what == 1) return img.ok_args ? str(img.exe) : Value::none();
    return img.ok_exepath ? str(img.exepath) : Value::none();
  }
  switch (what) {
    case 0:
      if (auto c = read_comm(p)) return str(*c);
      return Value::none();
    case 1: {
      auto argv = read_cmdline(p);
      return argv.empty() ? Value::none() : str(argv[0]);
    }
    case 2:
      if (auto l = read_link("/proc/" + std::to_string(p) + "/exe")) return str(*l);
      return Value::none();
    default:
      return Value::of_int(p);
  }
}

Value SyscallEvent::field(const FieldRef& ref) {
  // Each field is extracted once per event: rules that read it again get the cached value.
  for (size_t i = 0; i < cached_; ++i) {
    const auto& c = cache_[i];
    if (c.id == ref.id && c.index == ref.index && c.key == ref.key) return c.value;
  }
  Value v = extract(ref);
  if (v.kind == ValueKind::kStringList) return v;  // list_ is rebuilt per extraction
  if (cached_ < cache_.size()) cache_[cached_++] = {ref.id, ref.index, ref.key, v};
  return v;
}

Value SyscallEvent::extract(const FieldRef& ref) {
  const std::string_view name = field_info(ref.id).name;
  const std::string key(ref.key);
  const std::string proc = "/proc/" + std::to_string(pid_);
  // evt.*
  if (name == "evt.type") return known_ ? Value::of(event_type(type_).name) : Value::none();
  if (name == "evt.num") return Value::of_int(int64_t(number_));
  if (name == "evt.source") return Value::of("syscall");
  if (name == "evt.res") return Value::of("SUCCESS");
  if (name == "evt.rawres") {
    if (known_ && (event_type(type_).name == "dup2" || event_type(type_).name == "dup3")) {
      return Value::of_int(int64_t(int32_t(req_.data.args[1])));
    }
    return Value::of_int(0);
  }
  if (name == "evt.rawtime" || name == "evt.time") {
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return name == "evt.rawtime" ? Value::of_int(ns) : str(std::to_string(ns));
  }
  if (name == "evt.hostname") {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    return str(host);
  }
  if (name == "evt.arg") return arg_value(key, ref.index, false);
  if (name == "evt.rawarg") return arg_value(key, ref.index, true);
  if (name == "evt.args") {
    if (!known_) return Value::none();
    std::string out;
    const auto& t = event_type(type_);
    for (size_t i = 0; i < t.args.size(); ++i) {
      Value v = arg_value(std::string(t.args[i].name), int32_t(i), false);
      out += (i ? " " : "") + std::string(t.args[i].name) + "=" +
             (v.kind == ValueKind::kString ? std::string(v.str) : std::string("<NA>"));
    }
    return str(std::move(out));
  }
  if (name == "evt.is_open_read" || name == "evt.is_open_write" || name == "evt.is_open_exec") {
    int i = arg_index("flags");
    if (i < 0 || !known_ || event_type(type_).args[size_t(i)].from_memory) return Value::none();
    const uint64_t f = req_.data.args[i];
    if (name == "evt.is_open_read") return Value::of_bool((f & O_ACCMODE) != O_WRONLY);
    if (name == "evt.is_open_write") return Value::of_bool((f & O_ACCMODE) != O_RDONLY);
    return Value::of_bool(false);
  }
  // proc.* and thread.*
  if (name == "proc.pid" || name == "thread.tid") return Value::of_int(pid_);
  if (name == "proc.vpid" || name == "thread.vtid") {
    if (auto st = read_status(pid_)) return Value::of_int(st->vpid);
    return Value::none();
  }
  if (name == "proc.name" || name == "proc.exe" || name == "proc.exepath" || name == "proc.args" ||
      name == "proc.cmdline") {
    if (name == "proc.name") {
      const auto& img = image(kName);
      return img.ok ? Value::of(img.name) : Value::none();
    }
    if (name == "proc.exepath") {
      const auto& img = image(kExePath);
      return img.ok_exepath ? Value::of(img.exepath) : Value::none();
    }
    const auto& img = image(kArgs);
    if (!img.ok_args) return Value::none();
    if (name == "proc.exe") return Value::of(img.exe);
    if (name == "proc.args") return Value::of(img.args);
    return Value::of(img.cmdline);
  }
  if (name == "proc.ppid") return ancestor(1, 3);
  if (name == "proc.pname") return ancestor(1, 0);
  if (name == "proc.pexe") return ancestor(1, 1);
  if (name == "proc.pexepath") return ancestor(1, 2);
  if (name == "proc.pcmdline") {
    auto st = read_status(pid_);
    if (!st) return Value::none();
    auto comm = read_comm(st->ppid);
    if (!comm) return Value::none();
    auto argv = read_cmdline(st->ppid);
    std::string out = *comm;
    for (size_t i = 1; i < argv.size(); ++i) out += " " + argv[i];
    return str(std::move(out));
  }
  if (name == "proc.aname" || name == "proc.aexe" || name == "proc.aexepath" ||
      name == "proc.apid") {
    const int what = name == "proc.aname"      ? 0
                     : name == "proc.aexe"     ? 1
                     : name == "proc.aexepath" ? 2
                                               : 3;
    if (ref.index >= 0) return ancestor(ref.index, what);
    list_.clear();
    for (int32_t i = 1; i < 32; ++i) {
      Value v = ancestor(i, what);
      if (v.kind != ValueKind::kString) break;
      list_.push_back(v.str);
    }
    return Value::list(list_.data(), list_.size());
  }
  if (name == "proc.cwd") {
    if (auto l = read_link(proc + "/cwd")) return str(*l == "/" ? *l : *l + "/");
    return Value::none();
  }
  if (name == "proc.tty" || name == "proc.sid" || name == "proc.vpgid" ||
      name == "proc.is_vpgid_leader") {
    auto st = read_stat(pid_);
    if (!st) return Value::none();
    if (name == "proc.tty") return Value::of_int(st->tty_nr);
    if (name == "proc.sid") return Value::of_int(st->session);
    if (name == "proc.vpgid") return Value::of_int(st->pgrp);
    return Value::of_bool(st->pgrp == pid_);
  }
  if (name == "proc.duration") {
    auto st = read_stat(pid_);
    auto up = read_small_file("/proc/uptime", 128);
    if (!st || !up) return Value::none();
    const double uptime = std::strtod(up->c_str(), nullptr);
    const double started = double(st->start_ticks) / double(::sysconf(_SC_CLK_TCK));
    return Value::of_int(int64_t((uptime - started) * 1e9));
  }
  if (name == "thread.cap_effective" || name == "thread.cap_permitted" ||
      name == "thread.cap_inheritable") {
    auto st = read_status(pid_);
    if (!st) return Value::none();
    return str(capability_names(name == "thread.cap_effective"   ? st->cap_effective
                                : name == "thread.cap_permitted" ? st->cap_permitted
                                                                 : st->cap_inheritable));
  }
  // user.* and group.*, resolved through the container's own files
  if (name == "user.uid" || name == "user.name" || name == "group.gid" || name == "group.name") {
    auto st = read_status(pid_);
    if (!st) return Value::none();
    if (name == "user.uid") return Value::of_int(st->euid);
    if (name == "group.gid") return Value::of_int(st->egid);
    const bool user = name == "user.name";
    auto text = read_small_file(proc + (user ? "/root/etc/passwd" : "/root/etc/group"));
    if (!text) return Value::none();
    if (auto n = lookup_id_name(*text, user ? st->euid : st->egid)) return str(*n);
    return Value::none();
  }
  if (name == "user.loginuid") {
    auto t = read_small_file(proc + "/loginuid", 32);
    if (!t) return Value::none();
    return Value::of_int(int64_t(int32_t(std::strtoul(t->c_str(), nullptr, 10))));
  }
  // fd.* for path-taking syscalls
  if (name == "fd.name" || name == "fd.directory" || name == "fd.filename") {
    auto p = path_arg();
    if (!p) return Value::none();
    if (name == "fd.name") return str(*p);
    auto slash = p->rfind('/');
    if (name == "fd.filename") return str(p->substr(slash + 1));
    return str(slash == 0 ? "/" : p->substr(0, slash));
  }
  if (name == "fd.nameraw") {
    if (auto r = raw_path_arg()) return str(*r);
    return Value::none();
  }
  if (name == "fd.num") return Value::of_int(0);
  if (name == "fd.typechar") return path_arg() ? Value::of("f") : Value::none();
  if (name == "fd.type") return path_arg() ? Value::of("file") : Value::none();
  // container.* and k8s.*
  if (name == "container.id") return Value::of(container_.id);
  if (name == "container.full_id") return Value::of(container_.full_id);
  if (name == "container.name") return Value::of(container_.name);
  if (name == "container.image") return Value::of(container_.image);
  if (name == "container.image.repository") return Value::of(container_.image_repository);
  if (name == "container.image.tag") return Value::of(container_.image_tag);
  if (name == "container.type") {
    return container_.runtime.empty() ? Value::none() : Value::of(container_.runtime);
  }
  if (name == "container.start_ts") return Value::of_int(container_.start_ns);
  if (name == "k8s.pod.name")
    return container_.pod_name.empty() ? Value::none() : Value::of(container_.pod_name);
  if (name == "k8s.ns.name") {
    return container_.pod_namespace.empty() ? Value::none() : Value::of(container_.pod_namespace);
  }
  if (name == "k8s.pod.uid")
    return container_.pod_uid.empty() ? Value::none() : Value::of(container_.pod_uid);
  return Value::none();
}

}  // namespace vigil::fields
