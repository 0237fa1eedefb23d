// The system call a thread is blocked in, from /proc/<tid>/syscall, and what its exec or
// open call asks for, read from its memory. nullopt for a thread that is gone or in no
// such call: a dead target is normal, not an error.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::proc {

// The system call a thread is blocked in, from /proc/<tid>/syscall: its number and the
// six argument registers. nullopt if the thread is running, not in a system call, or gone.
// Registers are not the caller's memory: another thread cannot change them under it.
struct BlockedSyscall {
  long nr = -1;
  uint64_t args[6] = {};
};
std::optional<BlockedSyscall> read_blocked_syscall(pid_t tid);
// All /proc/<tid>/syscall says: the thread is gone, runs (in user space or in the kernel:
// "running" cannot tell), is stopped outside any call, or is blocked in `call`.
struct SyscallState {
  enum class Kind { kGone, kRunning, kNotInCall, kInCall } kind = Kind::kGone;
  BlockedSyscall call;  // kInCall only
};
SyscallState read_syscall_state(pid_t tid);
// The same call: number and all six argument registers.
bool same_call(const BlockedSyscall& a, const BlockedSyscall& b);
// The same, for a thread that is waiting (or about to wait) for this process's answer. The
// kernel queues a fanotify or seccomp event before the thread goes to sleep, so for a
// moment, longer if it was preempted in between, it reads "running". This retries while it
// reads "running", for at most `budget`; anything else (gone, not in a call) ends at once.
std::optional<BlockedSyscall> await_blocked_syscall(
    pid_t tid, std::chrono::microseconds budget = std::chrono::milliseconds(50));
// Parses the text of /proc/<tid>/syscall.
std::optional<BlockedSyscall> parse_blocked_syscall(const std::string& text);

// The path a thread blocked in open/openat/creat passed, read from its memory and made
// absolute with its cwd or dirfd; nullopt if it is in no such call (or it changed while
// reading). Caller memory: another thread can rewrite it, so this is a last resort (a
// fanotify event whose journaled path was lost), never a basis for a sound decision.
std::optional<std::string> read_blocked_open_path(pid_t tid);
// The path argument of `sc`, an open, openat, openat2 or creat that thread `tid` is blocked
// in, exactly as passed, from the thread's memory; nullopt for another call, unreadable
// memory, or a thread no longer in that call once read. Caller memory: for alerts.
std::optional<std::string> read_open_path_arg(pid_t tid, const BlockedSyscall& sc);

inline constexpr size_t kMaxPath = 4096;        // PATH_MAX: longer is truncated, <NA>
inline constexpr size_t kMaxArgv = 256;         // execve arguments read
inline constexpr size_t kMaxArgvBytes = 32768;  // total bytes of execve arguments read

// What the execve or execveat a thread is blocked in asks for: the filename argument and
// argv, from its memory. While the kernel opens the new program (a FAN_OPEN_EXEC_PERM
// event) the old image is still mapped. Caller memory (another thread may rewrite it):
// for what an alert shows, never for a sound decision.
struct BlockedExec {
  std::string filename;  // as passed ("" with AT_EMPTY_PATH)
  int dirfd = -100;      // AT_FDCWD, or execveat's dirfd
  bool empty_path = false;
  std::vector<std::string> argv;
  // The kernel's comm for the new program: the filename's last part, or the fd number
  // for execveat(fd, "", AT_EMPTY_PATH) (its filename is /dev/fd/N), 15 characters.
  std::string comm() const;
};
std::optional<BlockedExec> read_blocked_exec(pid_t tid, size_t max_args = kMaxArgv,
                                             size_t max_bytes = kMaxArgvBytes);

}  // namespace vigil::proc
