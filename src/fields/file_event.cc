// File event fields. The path comes from the event fd; paths under the container's root
// file system are reported as the container sees them.
#include "src/fields/file_event.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "src/common/unique_fd.h"
#include "src/fields/channels.h"
#include "src/fields/event_types.h"
#include "src/fields/registry.h"
#include "src/proc/blocked_call.h"
#include "src/proc/link_search.h"
#include "src/proc/proc_reader.h"

namespace vigil::fields {

EventTypeId FileEvent::open_type() {
  static const EventTypeId id = *find_event_type("openat");
  return id;
}
EventTypeId FileEvent::exec_type() {
  static const EventTypeId id = *find_event_type("execve");
  return id;
}
EventTypeId FileEvent::write_type() {
  static const EventTypeId id = *find_event_type("write");
  return id;
}

FileEvent::FileEvent(const fanotify_event_metadata& m, const ContainerInfo& container,
                     uint64_t number, const std::string* raw_path, bool orphan)
    : ProcessEvent(pid_t(m.pid), container, number), fd_(orphan ? -1 : m.fd) {
  if (raw_path) {
    raw_path_ = *raw_path;
  } else if (orphan) {
    raw_path_ = std::nullopt;
    raw_path_known_ = true;
  }
  channel_ = channel_of(m.mask);
  type_ = channel_ == Channel::kFileExec     ? exec_type()
          : channel_ == Channel::kFileModify ? write_type()
                                             : open_type();
}

namespace {

int64_t ctime_ns(const struct stat& st) {
  return int64_t(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
}

// fd.is_upper_layer and proc.is_exe_upper_layer: the inode changed (ctime) at or after the
// container's start; unknown without a start.
Value changed_after(const struct stat& st, int64_t start_ns) {
  return start_ns > 0 ? Value::of_bool(ctime_ns(st) >= start_ns) : Value::none();
}

}  // namespace

const std::optional<std::string>& FileEvent::path() {
  if (!path_) {
    std::optional<std::string> p =
        raw_path_ ? raw_path_ : (raw_path_known_ || fd_ < 0 ? std::nullopt : proc::fd_path(fd_));
    // A path through the host's view of the root file system becomes the container's.
    const std::string& root = container_.rootfs;
    if (p && !root.empty() && p->compare(0, root.size(), root) == 0 &&
        (p->size() == root.size() || (*p)[root.size()] == '/')) {
      *p = p->size() == root.size() ? "/" : p->substr(root.size());
    }
    path_ = p;
  }
  return *path_;
}

const FileEvent::Image& FileEvent::image(ImagePart need) {
  if (channel_ != Channel::kFileExec) return process_image(need);
  // The program being executed is the event's file. The registry does not offer its name
  // and arguments on this channel: the caller has not become it yet.
  Image& img = image_;
  if (!(img.parts & kExePath)) {
    img.parts |= kExePath;
    if (const auto& p = path()) {
      img.exepath = *p;
      img.exe = *p;
      img.ok_exepath = true;
    }
  }
  // The name and arguments the caller gave execve: still in its memory, as it is blocked
  // until the answer (<NA> if it cannot be read: an exec from io_uring, a dead caller).
  // Read only for a rule or an output that asks: the exec rules that block read the file.
  if ((need & (kName | kArgs)) && !(img.parts & kName)) {
    img.parts |= kName | kArgs;
    if (auto x = proc::read_blocked_exec(pid_, proc::kMaxArgv, proc::kMaxArgvBytes)) {
      img.name = x->comm();
      if (!x->argv.empty()) img.exe = x->argv[0];
      for (size_t i = 1; i < x->argv.size(); ++i) img.args += (i > 1 ? " " : "") + x->argv[i];
      img.cmdline = img.args.empty() ? img.name : img.name + " " + img.args;
      img.ok = img.ok_args = true;
    }
  }
  return img;
}

Value FileEvent::directory_field(const FieldRef& ref) {
  if (field_of(ref.id) == F::kFdNlink && !container_.links_made.value.load()) {
    return Value::of_int(1);
  }
  return Value::unknown();
}

std::atomic<uint64_t> FileEvent::unknown_intents_{0};

Value FileEvent::exe_flags() {
  const struct stat* file = stat_of_file();
  if (!file) return Value::none();
  const struct stat& st = *file;
  std::string flags;
  auto add = [&](const char* f) { flags += (flags.empty() ? "" : "|") + std::string(f); };
  if (auto s = proc::read_status(pid_)) {
    const bool writable = s->euid == 0 || (st.st_uid == s->euid && (st.st_mode & S_IWUSR)) ||
                          (st.st_gid == s->egid && (st.st_mode & S_IWGRP)) ||
                          (st.st_mode & S_IWOTH);
    if (writable) add("EXE_WRITABLE");
  }
  const Value upper = changed_after(st, container_.start_ns);
  if (!upper.missing()) add(upper.num ? "EXE_UPPER_LAYER" : "EXE_LOWER_LAYER");
  const auto& p = path();
  if (p && p->rfind("/memfd:", 0) == 0) add("EXE_FROM_MEMFD");
  return flags.empty() ? Value::none() : str(std::move(flags));
}

const FileEvent::OpenIntent& FileEvent::open_intent() {
  if (intent_) return *intent_;
  // The opener is blocked in its system call until the answer: its registers hold the
  // flags of open, openat and creat, and no other thread can change them. openat2 passes
  // them in memory (struct open_how) that another thread may change after the kernel
  // copied it, and some opens come from no open call (io_uring workers): these count as
  // read and write, so a block on writes fails closed. An exec's opens (the interpreter)
  // only read. The event is queued before the opener sleeps, so for a moment it may still
  // read "running": await it (open_intent_test).
  OpenIntent in;
  bool known = true;
  if (const auto& sc = blocked_call()) {
    auto flags = [&](uint64_t f) {
      in.read = (f & O_ACCMODE) != O_WRONLY;
      in.write = (f & O_ACCMODE) != O_RDONLY || (f & (O_CREAT | O_TRUNC)) != 0;
    };
    switch (sc->nr) {
      case SYS_open:
        flags(sc->args[1]);
        break;
      case SYS_openat:
        flags(sc->args[2]);
        break;
      case SYS_creat:
        flags(O_WRONLY | O_CREAT | O_TRUNC);
        break;
      case SYS_execve:
      case SYS_execveat:
      case SYS_uselib:
        in.write = false;
        break;
      default:
        known = false;
        break;
    }
  } else {
    known = false;
  }
  if (!known) unknown_intents_.fetch_add(1, std::memory_order_relaxed);
  intent_ = in;
  return *intent_;
}

const std::optional<proc::BlockedSyscall>& FileEvent::blocked_call() {
  if (!blocked_read_) {
    blocked_read_ = true;
    blocked_ = proc::await_blocked_syscall(pid_);
  }
  return blocked_;
}

const struct stat* FileEvent::stat_of_file() {
  if (!stat_read_) {
    stat_read_ = true;
    stat_ok_ = fd_ >= 0 && ::fstat(fd_, &stat_) == 0;
  }
  return stat_ok_ ? &stat_ : nullptr;
}

bool FileEvent::opened_by_exec() {
  const auto& sc = blocked_call();
  return sc && (sc->nr == SYS_execve || sc->nr == SYS_execveat);
}

Value FileEvent::extract(const FieldRef& ref) {
  const F field = field_of(ref.id);
  switch (field) {
    case F::kEvtType:
      return Value::of(event_type(type_).name);
    case F::kEvtIsOpenRead:
    case F::kEvtIsOpenWrite:
    case F::kEvtIsOpenExec: {
      if (channel_ != Channel::kFileOpen) return Value::none();
      if (field == F::kEvtIsOpenExec) return Value::of_bool(false);
      const auto& in = open_intent();
      return Value::of_bool(field == F::kEvtIsOpenRead ? in.read : in.write);
    }
    case F::kFdName:
    case F::kFdDirectory:
    case F::kFdFilename: {
      const auto& p = path();
      if (!p) return Value::none();
      if (field == F::kFdName) return Value::of(*p);
      auto slash = p->rfind('/');
      if (field == F::kFdFilename) return str(p->substr(slash + 1));
      return str(slash == 0 ? "/" : p->substr(0, slash));
    }
    case F::kFdTypechar:
    case F::kFdType:
    case F::kFdIno:
    case F::kFdDev: {
      const struct stat* file = stat_of_file();
      if (!file) return Value::none();
      const struct stat& st = *file;
      const bool dir = S_ISDIR(st.st_mode);
      if (field == F::kFdTypechar) return Value::of(dir ? "d" : "f");
      if (field == F::kFdType) return Value::of(dir ? "directory" : "file");
      if (field == F::kFdIno) return Value::of_int(int64_t(st.st_ino));
      return Value::of_int(int64_t(st.st_dev));
    }
    case F::kFdIsUpperLayer: {
      // The event's own file changed after the container started (as for
      // proc.is_exe_upper_layer below): a file renamed or hard-linked into place is one.
      const struct stat* file = stat_of_file();
      if (!file) return Value::none();
      const struct stat& st = *file;
      return changed_after(st, container_.start_ns);
    }
    case F::kFdNameraw: {
      // The name the opener passed, from the open call it is blocked in (caller memory,
      // as on the seccomp channel): Falco's directory traversal rule reads it, and served
      // here it needs no seccomp notification of every read-only open.
      if (channel_ != Channel::kFileOpen) return Value::none();
      const auto& sc = blocked_call();
      if (!sc) return Value::none();
      auto raw = proc::read_open_path_arg(pid_, *sc);
      return raw ? str(std::move(*raw)) : Value::none();
    }
    case F::kFdNlink: {
      const struct stat* file = stat_of_file();
      if (!file) return Value::none();
      const struct stat& st = *file;
      return Value::of_int(int64_t(st.st_nlink));
    }
    case F::kFdLinkedBelow: {
      // Another name of this file below the directory, in the opener's root. Only a file
      // with more than one link is looked for (a link made from /etc into /tmp gives the
      // inode a second name and a new ctime). A walk that cannot finish counts as found:
      // the rules that use it block, and fail closed.
      const struct stat* file = stat_of_file();
      if (!file || ref.key.empty() || ref.key[0] != '/') return Value::none();
      const struct stat& st = *file;
      if (st.st_nlink <= 1 || !S_ISREG(st.st_mode)) return Value::of_bool(false);
      UniqueFd root(::open(("/proc/" + std::to_string(pid_) + "/root").c_str(),
                           O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!root) return Value::none();
      return Value::of_bool(proc::find_link_below(root.get(), ref.key, st.st_dev, st.st_ino) !=
                            proc::LinkSearch::kNotFound);
    }
    case F::kProcIsExeUpperLayer:
    case F::kProcExeIno:
    case F::kProcExeInoCtime:
    case F::kProcExeInoMtime:
    case F::kProcExeInoCtimeDurationProcStart: {
      if (channel_ != Channel::kFileExec) return common_field(ref);
      // The file being executed, from the event's own fd. "Upper layer" (written by the
      // container) is decided by the inode's ctime against the container's start (both on
      // the coarse real-time clock that stamps inodes): no system call can set a ctime,
      // and copying, creating, renaming over or chmod-ing a file after the start all move
      // it past. Files of the image keep older ctimes.
      const struct stat* file = stat_of_file();
      if (!file) return Value::none();
      const struct stat& st = *file;
      switch (field) {
        case F::kProcExeIno:
          return Value::of_int(int64_t(st.st_ino));
        case F::kProcExeInoCtime:
          return Value::of_int(ctime_ns(st));
        case F::kProcExeInoMtime:
          return Value::of_int(int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
        case F::kProcIsExeUpperLayer:
          return changed_after(st, container_.start_ns);
        default:
          return Value::none();
      }
    }
    case F::kEvtArg:
      // Falco's exe flags of an execve, for outputs (exe_flags=%evt.arg.flags).
      if (channel_ == Channel::kFileExec && ref.key == "flags") return exe_flags();
      return Value::none();
    case F::kProcIsExeFromMemfd: {
      if (channel_ != Channel::kFileExec) return Value::none();
      const auto& p = path();
      return p ? Value::of_bool(p->rfind("/memfd:", 0) == 0) : Value::none();
    }
    default:
      return common_field(ref);
  }
}

}  // namespace vigil::fields
