// /proc parsing. Files are read with one bounded read loop; formats are parsed without
// trusting them (a comm may contain spaces and parentheses).
#include "src/proc/proc_reader.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "src/common/open_in_root.h"
#include "src/common/unique_fd.h"

namespace vigil::proc {

namespace {

// Up to `max` bytes of `fd`: read from its position, or (`from_start`) pread from offset
// 0, which re-reads a kept /proc file as it is now.
std::optional<std::string> read_up_to(int fd, size_t max, bool from_start) {
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    const size_t want = std::min(sizeof(buf), max - out.size());
    const ssize_t n =
        from_start ? ::pread(fd, buf, want, off_t(out.size())) : ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

}  // namespace

std::optional<std::string> read_small_file(const std::string& path, size_t max) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return std::nullopt;
  return read_up_to(fd.get(), max, /*from_start=*/false);
}

std::optional<std::string> read_host_file(const std::string& through, const std::string& path,
                                          size_t max) {
  if (!through.empty()) {
    if (auto text = read_small_file(through + path, max)) return text;
  }
  return read_small_file(path, max);
}

std::optional<std::string> fd_path(int fd) {
  // /proc/self/fd is opened once, so each lookup walks one component instead of three
  // (this is on every file event's path).
  static const int fd_dir = ::open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  char buf[4096];
  const std::string name = std::to_string(fd);
  const ssize_t n = fd_dir >= 0 ? ::readlinkat(fd_dir, name.c_str(), buf, sizeof(buf))
                                : ::readlink(("/proc/self/fd/" + name).c_str(), buf, sizeof(buf));
  if (n < 0 || size_t(n) >= sizeof(buf)) return std::nullopt;
  return std::string(buf, size_t(n));
}

std::optional<std::string> read_link(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n < 0 || size_t(n) >= sizeof(buf)) return std::nullopt;
  return std::string(buf, size_t(n));
}

namespace {

// Kept /proc/<pid>/<file> fds, read again with pread. Opening a /proc file is most of the
// cost of reading it (the pid's directory is looked up each time: 3.3 us against 0.4 us
// for a pread of a kept fd, measured for comm); events of one process come in runs. A
// procfs fd is bound to its task, not to the number: once that task is gone its reads
// fail (ESRCH), and the number is opened afresh, so a reused pid never reads the old
// process's file, and every read is of the file as it is now (after an exec, a setuid).
// Per thread (the io thread, a metadata worker), at most kKept fds each.
class KeptProcFiles {
 public:
  ~KeptProcFiles() {
    for (auto& e : kept_) ::close(e.fd);
  }

  // Closes the fds of tasks that are gone (a container stopped): the fds of the daemon
  // return to what they were.
  void sweep() {
    char c;
    for (size_t i = 0; i < kept_.size();) {
      if (::pread(kept_[i].fd, &c, 1, 0) >= 0) {
        ++i;
        continue;
      }
      ::close(kept_[i].fd);
      kept_[i] = kept_.back();
      kept_.pop_back();
    }
  }

  std::optional<std::string> read(pid_t pid, const char* file, size_t max) {
    for (size_t i = 0; i < kept_.size(); ++i) {
      Entry& e = kept_[i];
      if (e.pid != pid || e.file != file) continue;
      e.used = ++clock_;
      if (auto text = pread_all(e.fd, max)) return text;
      ::close(e.fd);  // that task is gone: its number may be another process's now
      kept_[i] = kept_.back();
      kept_.pop_back();
      break;
    }
    const std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return std::nullopt;
    auto text = pread_all(fd, max);
    if (!text) {
      ::close(fd);
      return std::nullopt;
    }
    if (kept_.size() >= kKept) evict();
    kept_.push_back({pid, file, fd, ++clock_});
    return text;
  }

 private:
  static constexpr size_t kKept = 128;
  struct Entry {
    pid_t pid;
    const char* file;  // one of the literals below: compared by address
    int fd;
    uint64_t used;
  };

  static std::optional<std::string> pread_all(int fd, size_t max) {
    return read_up_to(fd, max, /*from_start=*/true);
  }

  void evict() {  // the least recently read
    size_t oldest = 0;
    for (size_t i = 1; i < kept_.size(); ++i) {
      if (kept_[i].used < kept_[oldest].used) oldest = i;
    }
    ::close(kept_[oldest].fd);
    kept_[oldest] = kept_.back();
    kept_.pop_back();
  }

  std::vector<Entry> kept_;
  uint64_t clock_ = 0;
};

constexpr const char kStatusFile[] = "status";
constexpr const char kStatFile[] = "stat";
constexpr const char kCommFile[] = "comm";
constexpr const char kCmdlineFile[] = "cmdline";
constexpr const char kSyscallFile[] = "syscall";

KeptProcFiles& kept_proc_files() {
  thread_local KeptProcFiles kept;
  return kept;
}

std::optional<std::string> read_proc_file(pid_t pid, const char* file, size_t max) {
  if (pid <= 0) return std::nullopt;
  return kept_proc_files().read(pid, file, max);
}

}  // namespace

std::optional<std::string> read_syscall_file(pid_t tid) {
  return read_proc_file(tid, kSyscallFile, 512);
}

void forget_gone_processes() { kept_proc_files().sweep(); }

std::optional<ProcStatus> read_status(pid_t pid) {
  auto text = read_proc_file(pid, kStatusFile, kMaxProcFile);
  if (!text) return std::nullopt;
  return parse_status(*text);
}

namespace {

// The next whitespace-separated word of `v`, consumed.
std::string_view next_word(std::string_view& v) {
  size_t b = v.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    v = {};
    return {};
  }
  size_t e = v.find_first_of(" \t", b);
  if (e == std::string_view::npos) e = v.size();
  std::string_view w = v.substr(b, e - b);
  v.remove_prefix(e);
  return w;
}

template <typename T>
bool parse_number(std::string_view w, T& out, int base = 10) {
  if (w.empty()) return false;
  auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), out, base);
  return ec == std::errc() && ptr == w.data() + w.size();
}

}  // namespace

ProcStatus parse_status(const std::string& text) {
  // Read for every event that needs a parent or a uid: parsed in place, allocating nothing.
  ProcStatus s;
  std::string_view rest(text);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    std::string_view v = line.substr(colon + 1);
    if (key == "Tgid") {
      parse_number(next_word(v), s.tgid);
    } else if (key == "PPid") {
      parse_number(next_word(v), s.ppid);
    } else if (key == "Uid") {
      next_word(v);  // real
      parse_number(next_word(v), s.euid);
    } else if (key == "Gid") {
      next_word(v);
      parse_number(next_word(v), s.egid);
    } else if (key == "NSpid") {
      pid_t p = 0;
      for (auto w = next_word(v); !w.empty(); w = next_word(v)) {
        if (parse_number(w, p)) s.vpid = p;
      }
    } else if (key == "CapEff" || key == "CapPrm" || key == "CapInh") {
      uint64_t mask = 0;
      parse_number(next_word(v), mask, 16);
      (key == "CapEff"   ? s.cap_effective
       : key == "CapPrm" ? s.cap_permitted
                         : s.cap_inheritable) = mask;
    }
  }
  return s;
}

std::optional<ProcStat> read_stat(pid_t pid) {
  auto text = read_proc_file(pid, kStatFile, 4096);
  if (!text) return std::nullopt;
  // The comm field is in parentheses and may contain anything: parse after the last ')'.
  auto close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(text->substr(close + 1));
  char state = 0;
  ProcStat s;
  long long skip = 0;
  in >> state >> s.ppid >> s.pgrp >> s.session >> s.tty_nr;
  for (int i = 0; i < 14 && in; ++i) in >> skip;  // tpgid .. nice, num_threads, itrealvalue
  in >> s.start_ticks;
  if (!in) return std::nullopt;
  return s;
}

std::optional<std::string> read_comm(pid_t pid) {
  auto c = read_proc_file(pid, kCommFile, 64);
  if (!c) return std::nullopt;
  while (!c->empty() && c->back() == '\n') c->pop_back();
  return c;
}

std::vector<std::string> read_cmdline(pid_t pid) {
  std::vector<std::string> argv;
  auto text = read_proc_file(pid, kCmdlineFile, kMaxProcFile);
  if (!text) return argv;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\0', start);
    if (end == std::string::npos) end = text->size();
    argv.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return argv;
}

std::string capability_names(uint64_t mask) {
  std::string out;
  // libcap's names ("cap_chown"), upper-cased as Falco prints them; a capability newer
  // than libcap is shown by its number rather than dropped.
  for (cap_value_t c = 0; c < 64; ++c) {
    if (!(mask & (uint64_t(1) << c))) continue;
    char* name = cap_to_name(c);
    if (!name) continue;
    if (!out.empty()) out += ' ';
    for (const char* p = name; *p; ++p) out += char(std::toupper(static_cast<unsigned char>(*p)));
    cap_free(name);
  }
  return out;
}

std::optional<std::string> lookup_id_name(const std::string& file_text, unsigned id) {
  std::istringstream in(file_text);
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(':');
    if (c1 == std::string::npos) continue;
    auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    auto c3 = line.find(':', c2 + 1);
    if (c3 == std::string::npos) continue;
    const std::string num = line.substr(c2 + 1, c3 - c2 - 1);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;
    if (std::strtoul(num.c_str(), nullptr, 10) == id) return line.substr(0, c1);
  }
  return std::nullopt;
}

std::vector<std::string> container_mounts(pid_t pid, const std::string& rootfs) {
  auto text = read_small_file("/proc/" + std::to_string(pid) + "/mountinfo", 1 << 20);
  if (!text) return {};
  return parse_container_mounts(*text, rootfs);
}

std::vector<std::string> parse_container_mounts(const std::string& mountinfo,
                                                const std::string& rootfs) {
  std::vector<std::string> out;
  std::istringstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superopts
    std::istringstream f(line);
    std::string id, parent, dev, root, mountpoint;
    f >> id >> parent >> dev >> root >> mountpoint;
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    // cgroupfs stays: a writable cgroup v1 root holds release_agent. proc refuses
    // permission events (Linux 6.x), and sysfs, devpts and mqueue hold nothing to judge.
    if (fstype == "proc" || fstype == "sysfs" || fstype == "devpts" || fstype == "mqueue") {
      continue;
    }
    // /dev/null bound over a file (a sealed file, a masked path): nothing to read, write
    // or run there, and every dynamic program opens a sealed /etc/ld.so.preload.
    if (fstype == "devtmpfs" && root == "/null") continue;
    // Octal escapes (\040 for a space) are how mountinfo writes special characters.
    std::string mp;
    for (size_t i = 0; i < mountpoint.size(); ++i) {
      auto octal = [&](size_t k) { return mountpoint[k] >= '0' && mountpoint[k] <= '7'; };
      if (mountpoint[i] == '\\' && i + 3 < mountpoint.size() && octal(i + 1) && octal(i + 2) &&
          octal(i + 3)) {
        mp += char(((mountpoint[i + 1] - '0') << 6) | ((mountpoint[i + 2] - '0') << 3) |
                   (mountpoint[i + 3] - '0'));
        i += 3;
      } else {
        mp += mountpoint[i];
      }
    }
    if (mp.size() > rootfs.size() && mp.compare(0, rootfs.size(), rootfs) == 0 &&
        mp[rootfs.size()] == '/') {
      out.push_back(mp);
    }
  }
  return out;
}

std::string normalize_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string part = path.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::optional<std::string> resolve_in_root(pid_t pid, const std::string& path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  UniqueFd root(
      ::open(("/proc/" + std::to_string(pid) + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return std::nullopt;
  // The opened file's name, as the kernel gives it: the mounts walked are the process's,
  // so the name ends at its root (Linux prints a path that the reader cannot reach from its
  // own root up to the root of the mount namespace it is in).
  auto opened = [&](const std::string& p) -> std::optional<std::string> {
    UniqueFd fd(open_in_root(root.get(), p, O_PATH | O_CLOEXEC));
    if (!fd) return std::nullopt;
    return read_link("/proc/self/fd/" + std::to_string(fd.get()));
  };
  if (auto whole = opened(path)) return whole;
  const size_t slash = path.rfind('/');
  auto folder = opened(slash == 0 ? "/" : path.substr(0, slash));
  if (!folder) return std::nullopt;
  return (*folder == "/" ? "" : *folder) + path.substr(slash);
}

}  // namespace vigil::proc
