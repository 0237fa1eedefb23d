// The system call a blocked thread is in, from /proc/<tid>/syscall (registers: not caller
// memory), and what its exec or open call asks for, from its memory (TaskMemory).
#include "src/proc/blocked_call.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <thread>

#include "src/proc/proc_reader.h"
#include "src/proc/task_memory.h"

namespace vigil::proc {

std::optional<BlockedSyscall> parse_blocked_syscall(const std::string& text) {
  // "nr 0xa1 0xa2 0xa3 0xa4 0xa5 0xa6 0xsp 0xpc", "-1 0xsp 0xpc" or "running".
  std::istringstream in(text);
  BlockedSyscall b;
  if (!(in >> b.nr) || b.nr < 0) return std::nullopt;
  for (auto& a : b.args) {
    std::string hex;
    if (!(in >> hex) || hex.rfind("0x", 0) != 0) return std::nullopt;
    char* end = nullptr;
    a = std::strtoull(hex.c_str() + 2, &end, 16);
    if (!end || *end) return std::nullopt;
  }
  return b;
}

SyscallState read_syscall_state(pid_t tid) {
  SyscallState st;
  // Kept, as the other /proc files: a file event's opener is looked at up to three times
  // (its open flags, the name it passed, an exec's arguments), and an exec's events come
  // from a pid the daemon has not seen before.
  auto text = read_syscall_file(tid);
  if (!text) return st;
  if (text->rfind("running", 0) == 0) {
    st.kind = SyscallState::Kind::kRunning;
  } else if (auto call = parse_blocked_syscall(*text)) {
    st.kind = SyscallState::Kind::kInCall;
    st.call = *call;
  } else {
    st.kind = SyscallState::Kind::kNotInCall;
  }
  return st;
}

bool same_call(const BlockedSyscall& a, const BlockedSyscall& b) {
  return a.nr == b.nr && std::memcmp(a.args, b.args, sizeof(a.args)) == 0;
}

std::optional<BlockedSyscall> read_blocked_syscall(pid_t tid) {
  const auto st = read_syscall_state(tid);
  if (st.kind != SyscallState::Kind::kInCall) return std::nullopt;
  return st.call;
}

std::optional<BlockedSyscall> await_blocked_syscall(pid_t tid, std::chrono::microseconds budget) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + budget;
  auto pause = std::chrono::microseconds(10);
  for (int attempt = 0;; ++attempt) {
    const auto st = read_syscall_state(tid);
    if (st.kind == SyscallState::Kind::kInCall) return st.call;
    if (st.kind != SyscallState::Kind::kRunning) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    // Yield first: a thread preempted on this CPU by the wake-up that brought the event
    // runs again at once. Then sleep, doubling up to 1 ms, to let it reach another CPU.
    if (attempt < 8) {
      ::sched_yield();
    } else {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(1000));
    }
  }
}

std::string BlockedExec::comm() const {
  const std::string path = empty_path ? "/dev/fd/" + std::to_string(dirfd) : filename;
  return path.substr(path.rfind('/') + 1).substr(0, 15);
}

std::optional<BlockedExec> read_blocked_exec(pid_t tid, size_t max_args, size_t max_bytes) {
  const auto sc = await_blocked_syscall(tid);
  if (!sc) return std::nullopt;
  BlockedExec out;
  uint64_t filename = 0, argv = 0;
  switch (sc->nr) {
    case SYS_execve:
      filename = sc->args[0];
      argv = sc->args[1];
      break;
    case SYS_execveat:
      out.dirfd = int(int32_t(sc->args[0]));
      filename = sc->args[1];
      argv = sc->args[2];
      out.empty_path = (sc->args[4] & AT_EMPTY_PATH) != 0;
      break;
    default:
      return std::nullopt;
  }
  TaskMemory mem(tid);
  if (!mem.read_string(filename, 4096, out.filename)) return std::nullopt;
  if (!out.filename.empty()) out.empty_path = false;
  size_t total = 0;
  for (size_t i = 0; i < max_args && argv; ++i) {
    uint64_t p = 0;
    if (mem.read(argv + i * 8, &p, sizeof(p)) != sizeof(p) || !p) break;
    std::string a;
    if (!mem.read_string(p, max_bytes - std::min(total, max_bytes), a)) break;
    total += a.size() + 1;
    out.argv.push_back(std::move(a));
  }
  // Still blocked in the same call: the thread (and its memory) were the right ones.
  const auto again = read_blocked_syscall(tid);
  if (!again || !same_call(*again, *sc)) return std::nullopt;
  return out;
}

namespace {

// Which argument of an open call is its path, and which its directory fd (-1: none).
bool open_path_args(const BlockedSyscall& sc, int& path_arg, int& dirfd_arg) {
  switch (sc.nr) {
    case SYS_open:
    case SYS_creat:
      path_arg = 0;
      dirfd_arg = -1;
      return true;
    case SYS_openat:
    case SYS_openat2:
      path_arg = 1;
      dirfd_arg = 0;
      return true;
    default:
      return false;
  }
}

}  // namespace

std::optional<std::string> read_open_path_arg(pid_t tid, const BlockedSyscall& sc) {
  int path_arg = -1, dirfd_arg = -1;
  if (!open_path_args(sc, path_arg, dirfd_arg) || sc.args[path_arg] == 0) return std::nullopt;
  std::string path;
  if (!TaskMemory(tid).read_string(sc.args[path_arg], kMaxPath, path)) return std::nullopt;
  if (path.empty() || path.size() >= kMaxPath) return std::nullopt;
  // Still blocked in the same call: the thread (and its memory) were the right ones.
  const auto again = read_blocked_syscall(tid);
  if (!again || !same_call(*again, sc)) return std::nullopt;
  return path;
}

std::optional<std::string> read_blocked_open_path(pid_t tid) {
  const auto sc = await_blocked_syscall(tid);
  if (!sc) return std::nullopt;
  int path_arg = -1, dirfd_arg = -1;
  if (!open_path_args(*sc, path_arg, dirfd_arg)) return std::nullopt;
  auto path = read_open_path_arg(tid, *sc);
  if (!path) return std::nullopt;
  if ((*path)[0] != '/') {
    const int dirfd = dirfd_arg < 0 ? AT_FDCWD : int(int32_t(sc->args[dirfd_arg]));
    const std::string proc = "/proc/" + std::to_string(tid);
    auto base =
        read_link(dirfd == AT_FDCWD ? proc + "/cwd" : proc + "/fd/" + std::to_string(dirfd));
    if (!base || base->empty() || (*base)[0] != '/') return std::nullopt;
    *path = *base + "/" + *path;
  }
  return normalize_path(*path);
}
}  // namespace vigil::proc
