// Field extraction for seccomp events. proc.* for an execve describe the program being
// started (read from the caller's memory), as Falco's spawned_process does on exit.
#include "src/fields/syscall_event.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "src/fields/registry.h"
#include "src/proc/blocked_call.h"
#include "src/proc/proc_reader.h"

namespace vigil::fields {

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
    : ProcessEvent(pid_t(req.pid), container, number), req_(req), notify_fd_(notify_fd) {
  if (auto t = event_type_of(req.data.arch, req.data.nr)) {
    type_ = *t;
    known_ = true;
  } else {
    type_ = EventTypeId(kMaxEventTypes);
  }
}

bool SyscallEvent::caller_still_there() {
  if (!caller_checked_) {
    caller_checked_ = true;
    caller_there_ = still_valid();
  }
  return caller_there_;
}

bool SyscallEvent::still_valid() const {
  uint64_t id = req_.id;
  return ::ioctl(notify_fd_, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

int SyscallEvent::target_fd() {
  if (target_fd_tried_) return target_fd_.get();
  target_fd_tried_ = true;
  if (!known_) return -1;
  // dup/dup2/dup3 name the file they copy as oldfd (or fd); socket calls as fd.
  const int arg = event_type(type_).layout.file_fd;
  if (arg < 0) return -1;
  UniqueFd pidfd(int(::syscall(SYS_pidfd_open, pid_, 0)));
  // Checked against the notification, so a recycled pid is never looked into.
  if (!pidfd || !still_valid()) return -1;
  target_fd_.reset(
      int(::syscall(SYS_pidfd_getfd, pidfd.get(), int(int32_t(req_.data.args[arg])), 0)));
  return target_fd_.get();
}

bool SyscallEvent::read_string_array(uint64_t addr, std::vector<std::string>& out) {
  size_t total = 0;
  uint64_t ptrs[64];
  // The strings' first kHead bytes, all in one process_vm_readv (an iovec each): most
  // arguments and environment variables are shorter, so an execve's argv and envp cost
  // two or three system calls instead of one per string.
  constexpr size_t kHead = 128;
  static thread_local char heads[64 * kHead];
  for (size_t base = 0; base < proc::kMaxArgv && addr;) {
    const size_t want = std::min<size_t>(64, proc::kMaxArgv - base);
    const size_t got = read_mem(addr + base * 8, ptrs, want * 8) / 8;
    if (got == 0) return !out.empty() || base > 0;
    size_t count = 0;
    while (count < got && ptrs[count]) ++count;
    // How many bytes of each head were read. A head that runs into unmapped memory ends the
    // transfer inside it; the next transfer starts after it.
    size_t have[64] = {};
    for (size_t start = 0; !mem_.vm_refused() && start < count;) {
      iovec local[64], remote[64];
      for (size_t i = start; i < count; ++i) {
        // Not past the string's page: that page is mapped, the next may not be (the last
        // strings sit at the top of the stack). A head cut there is read whole below.
        const size_t len = std::min<size_t>(kHead, 4096 - (ptrs[i] & 4095));
        local[i - start] = {heads + i * kHead, len};
        remote[i - start] = {reinterpret_cast<void*>(ptrs[i]), len};
      }
      const ssize_t n = ::process_vm_readv(pid_, local, count - start, remote, count - start, 0);
      if (n <= 0) {
        ++start;  // read on its own below
        continue;
      }
      size_t left = size_t(n), i = start;
      for (; i < count && left >= local[i - start].iov_len; ++i) {
        have[i] = local[i - start].iov_len;
        left -= have[i];
      }
      if (i < count) have[i] = left;  // where the transfer stopped
      start = i + 1;
    }
    for (size_t i = 0; i < count; ++i) {
      const size_t room = proc::kMaxArgvBytes - std::min(total, proc::kMaxArgvBytes);
      std::string s;
      const char* head = heads + i * kHead;
      const char* nul = static_cast<const char*>(std::memchr(head, 0, have[i]));
      if (nul && size_t(nul - head) < room) {
        s.assign(head, size_t(nul - head));
      } else if (!read_string(ptrs[i], room, s)) {
        return true;
      }
      total += s.size() + 1;
      out.push_back(std::move(s));
    }
    if (count < got) return true;  // the array's end
    base += got;
    if (got < want) return true;
  }
  return true;
}

std::optional<std::string> SyscallEvent::resolve_path(int dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return proc::normalize_path(path);
  const std::string proc = "/proc/" + std::to_string(pid_);
  std::optional<std::string> base = dirfd == AT_FDCWD
                                        ? proc::read_link(proc + "/cwd")
                                        : proc::read_link(proc + "/fd/" + std::to_string(dirfd));
  if (!base || base->empty() || (*base)[0] != '/') return std::nullopt;
  return proc::normalize_path(*base + "/" + path);
}

std::optional<std::string> SyscallEvent::raw_path_arg() {
  if (!known_) return std::nullopt;
  const int path = event_type(type_).layout.path;
  if (path < 0) return std::nullopt;
  std::string s;
  if (!read_string(req_.data.args[path], proc::kMaxPath, s)) return std::nullopt;
  return s;
}

Value SyscallEvent::fs_path_field(F field) {
  if (!known_) return Value::none();
  const ArgLayout& layout = event_type(type_).layout;
  const int target = layout.target, target_dirfd = layout.target_dirfd;
  const bool pair = target >= 0;
  const bool raw =
      field == F::kFsPathNameraw || field == F::kFsPathSourceraw || field == F::kFsPathTargetraw;
  if (field == F::kFsPathName || field == F::kFsPathNameraw) {
    if (pair) return Value::none();  // source and target instead
    if (raw) {
      auto r = raw_path_arg();
      return r ? str(*r) : Value::none();
    }
    auto p = path_arg();
    return p ? str(*p) : Value::none();
  }
  if (!pair) return Value::none();
  std::string target_raw;
  if (!read_string(req_.data.args[target], proc::kMaxPath, target_raw)) return Value::none();
  const int dirfd = target_dirfd >= 0 ? int(int32_t(req_.data.args[target_dirfd])) : AT_FDCWD;
  if (field == F::kFsPathTarget || field == F::kFsPathTargetraw) {
    if (raw) return str(target_raw);
    auto p = resolve_path(dirfd, target_raw);
    return p ? str(*p) : Value::none();
  }
  // The source: the first path, or a symlink's content.
  auto source_raw = raw_path_arg();
  if (!source_raw) return Value::none();
  if (raw) return str(*source_raw);
  if (!layout.symlink) {
    auto p = path_arg();
    return p ? str(*p) : Value::none();
  }
  if (!source_raw->empty() && (*source_raw)[0] == '/')
    return str(proc::normalize_path(*source_raw));
  auto link = resolve_path(dirfd, target_raw);  // a relative content is read from its directory
  if (!link) return Value::none();
  const size_t slash = link->rfind('/');
  return str(proc::normalize_path(link->substr(0, slash + 1) + *source_raw));
}

std::optional<std::string> SyscallEvent::path_arg() {
  if (path_cache_) return *path_cache_;
  std::optional<std::string> out;
  if (auto raw = raw_path_arg()) {
    const int dirfd = event_type(type_).layout.dirfd;
    int d = dirfd >= 0 ? int(int32_t(req_.data.args[dirfd])) : AT_FDCWD;
    out = resolve_path(d, *raw);
  }
  path_cache_ = out;
  return out;
}

// For an execve, proc.* describe the program being started: its filename and argv, read
// from the caller's memory, as Falco's spawned_process sees them on exit.
const SyscallEvent::Image& SyscallEvent::image(ImagePart need) {
  if (!known_ || !event_type(type_).exec) return process_image(need);
  Image& img = image_;
  const ArgLayout& layout = event_type(type_).layout;
  if (!(img.parts & kName)) {
    // The filename: proc.name and proc.exepath. One read of the caller's memory.
    img.parts |= kName | kExePath;
    if (!read_string(req_.data.args[layout.exec_filename], proc::kMaxPath, exec_filename_)) {
      img.parts |= kArgs;  // unreadable: no part of the image is known
      return img;
    }
    int dirfd = layout.dirfd >= 0 ? int(int32_t(req_.data.args[layout.dirfd])) : AT_FDCWD;
    img.exepath = resolve_path(dirfd, exec_filename_).value_or(exec_filename_);
    // The kernel's comm: the filename's last part (15 characters), or for
    // execveat(fd, "", AT_EMPTY_PATH) the fd number (its filename is /dev/fd/N).
    proc::BlockedExec as_called;
    as_called.filename = exec_filename_;
    as_called.dirfd = dirfd;
    // execveat(dirfd, pathname, argv, envp, flags): the only exec with a dirfd
    as_called.empty_path =
        exec_filename_.empty() && layout.dirfd >= 0 && (req_.data.args[4] & AT_EMPTY_PATH) != 0;
    img.name = as_called.comm();
    img.ok = img.ok_exepath = true;
  }
  // argv: two more reads (the pointers, then the strings), only for a rule or an output
  // that asks (proc.args, proc.cmdline, proc.exe). A freshly forked caller's stack pages
  // are still shared with its parent, and process_vm_readv copies each one it reads.
  if ((need & kArgs) && !(img.parts & kArgs)) {
    img.parts |= kArgs;
    std::vector<std::string> argv;
    read_string_array(req_.data.args[layout.exec_argv], argv);
    img.exe = argv.empty() ? exec_filename_ : argv[0];
    for (size_t i = 1; i < argv.size(); ++i) img.args += (i > 1 ? " " : "") + argv[i];
    img.cmdline = img.args.empty() ? img.name : img.name + " " + img.args;
    img.ok_args = true;
  }
  return img;
}

// evt.arg.<key>: the rule's key against this event type's (at most six) argument names.
// Every other argument the extractors need is found by position (ArgLayout).
int SyscallEvent::arg_index(std::string_view key) const {
  if (!known_) return -1;
  const auto& args = event_type(type_).args;
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i].name == key) return int(i);
  return -1;
}

Value SyscallEvent::arg_value(std::string_view key, int32_t index, bool raw) {
  int i = index >= 0 ? index : arg_index(key);
  if (i < 0 || i >= 6 || !known_) return Value::none();
  const auto& t = event_type(type_);
  const uint64_t v = req_.data.args[i];
  if (raw) return Value::of_int(int64_t(v));
  if (size_t(i) < t.args.size() && t.args[size_t(i)].from_memory) {
    std::string s;
    if (!read_string(v, proc::kMaxPath, s)) return Value::none();
    return str(std::move(s));
  }
  return str(
      render_arg(size_t(i) < t.args.size() ? t.args[size_t(i)].render : ArgRender::kUnsigned, v));
}

Value SyscallEvent::extract(const FieldRef& ref) {
  const F field = field_of(ref.id);
  switch (field) {
    case F::kEvtType:
      return known_ ? Value::of(event_type(type_).name) : Value::none();
    case F::kEvtRawres:
      static const EventTypeId kDup2 = *find_event_type("dup2"), kDup3 = *find_event_type("dup3");
      if (known_ && (type_ == kDup2 || type_ == kDup3)) {
        return Value::of_int(int64_t(int32_t(req_.data.args[1])));
      }
      return Value::of_int(0);
    case F::kEvtArg:
      return arg_value(ref.key, ref.index, false);
    case F::kEvtRawarg:
      return arg_value(ref.key, ref.index, true);
    case F::kEvtArgs: {
      if (!known_) return Value::none();
      std::string out;
      const auto& t = event_type(type_);
      for (size_t i = 0; i < t.args.size(); ++i) {
        Value v = arg_value(t.args[i].name, int32_t(i), false);
        out += (i ? " " : "") + std::string(t.args[i].name) + "=" +
               (v.kind == ValueKind::kString ? std::string(v.str) : std::string("<NA>"));
      }
      return str(std::move(out));
    }
    case F::kEvtIsOpenRead:
    case F::kEvtIsOpenWrite:
    case F::kEvtIsOpenExec: {
      const int i = known_ ? event_type(type_).layout.flags : -1;
      if (i < 0) return Value::none();
      const uint64_t f = req_.data.args[i];
      if (field == F::kEvtIsOpenRead) return Value::of_bool((f & O_ACCMODE) != O_WRONLY);
      if (field == F::kEvtIsOpenWrite) {
        return Value::of_bool((f & O_ACCMODE) != O_RDONLY || (f & (O_CREAT | O_TRUNC)) != 0);
      }
      return Value::of_bool(false);
    }
    // fd.* for path-taking syscalls
    case F::kFdName:
    case F::kFdDirectory:
    case F::kFdFilename: {
      auto p = path_arg();
      if (!p && field == F::kFdName) return socket_field(field);  // a socket: its tuple
      if (!p) return Value::none();
      if (field == F::kFdName) return str(*p);
      auto slash = p->rfind('/');
      if (field == F::kFdFilename) return str(p->substr(slash + 1));
      return str(slash == 0 ? "/" : p->substr(0, slash));
    }
    case F::kFsPathName:
    case F::kFsPathNameraw:
    case F::kFsPathSource:
    case F::kFsPathSourceraw:
    case F::kFsPathTarget:
    case F::kFsPathTargetraw:
      return fs_path_field(field);
    case F::kFdNameraw:
      if (auto r = raw_path_arg()) return str(*r);
      return Value::none();
    case F::kFdNameResolved: {
      auto p = path_arg();
      if (!p) return Value::none();
      auto r = proc::resolve_in_root(pid_, *p);
      return r ? str(std::move(*r)) : Value::none();
    }
    case F::kProcEnv: {
      // An execve's proc.env is the new program's: its envp, from the caller's memory.
      if (!known_ || !event_type(type_).exec) return common_field(ref);
      std::vector<std::string> env;
      if (!read_string_array(req_.data.args[event_type(type_).layout.exec_argv + 1], env)) {
        return Value::none();
      }
      std::string out;
      for (const auto& v : env) out += (out.empty() ? "" : " ") + v;
      return str(std::move(out));
    }
    case F::kProcIsExeFromMemfd: {
      if (!known_ || !event_type(type_).exec) return Value::none();
      const auto& img = image(kExePath);
      if (!img.ok_exepath) return Value::none();
      std::string target = img.exepath;
      // execve("/proc/self/fd/N") and execveat(fd, "", AT_EMPTY_PATH) both name an fd.
      for (const char* prefix : {"/proc/self/fd/", "/dev/fd/"}) {
        if (target.rfind(prefix, 0) == 0) {
          target = proc::read_link("/proc/" + std::to_string(pid_) + "/fd/" +
                                   target.substr(std::string(prefix).size()))
                       .value_or(target);
        }
      }
      return Value::of_bool(target.rfind("/memfd:", 0) == 0);
    }
    case F::kFdSip:
    case F::kFdCip:
    case F::kFdRip:
    case F::kFdLip:
    case F::kFdIp:
    case F::kFdNet:
    case F::kFdSnet:
    case F::kFdCnet:
    case F::kFdRnet:
    case F::kFdLnet:
    case F::kFdSport:
    case F::kFdCport:
    case F::kFdRport:
    case F::kFdLport:
    case F::kFdPort:
    case F::kFdConnected:
    case F::kFdNameChanged:
    case F::kFdSipName:
    case F::kFdCipName:
    case F::kFdRipName:
    case F::kFdLipName:
      return socket_field(field);
    case F::kFdTypechar:
    case F::kFdType:
    case F::kFdL4proto:
    case F::kFdSockfamily: {
      if (Value v = socket_field(field); !v.missing()) return v;
      if (field == F::kFdTypechar) return path_arg() ? Value::of("f") : Value::none();
      if (field == F::kFdType) return path_arg() ? Value::of("file") : Value::none();
      return Value::none();
    }
    default:
      return common_field(ref);
  }
}

}  // namespace vigil::fields
