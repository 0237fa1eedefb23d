// Bounded readers of /proc/<pid> files. Every function returns nullopt / empty for a
// process that is gone or a file it cannot read: a dead target is normal, not an error.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "src/common/unique_fd.h"

namespace vigil::fields {

inline constexpr size_t kMaxProcFile = 64 * 1024;

std::optional<std::string> read_small_file(const std::string& path, size_t max = kMaxProcFile);
// A host file as a container's runtime sees it: through `through` first (the root of a
// container being created, "/proc/<pid>/root", where a daemon in a pod sees the host's
// tree), then by its own path. `through` empty: the path only.
std::optional<std::string> read_host_file(const std::string& through, const std::string& path,
                                          size_t max = kMaxProcFile);
std::optional<std::string> read_link(const std::string& path);

struct ProcStatus {
  pid_t tgid = 0;  // the process a thread belongs to
  pid_t ppid = 0;
  uid_t euid = 0;
  gid_t egid = 0;
  pid_t vpid = 0;  // last NSpid entry: the pid inside the process's own pid namespace
  uint64_t cap_effective = 0;
  uint64_t cap_permitted = 0;
  uint64_t cap_inheritable = 0;
};
// status, stat, comm and cmdline are read through fds kept per thread (the most recently
// read 128 of them), each bound to its task: a pid reused by another process is opened
// afresh. forget_gone_processes() closes the ones of tasks that are gone (on the thread
// that read them; the engine calls it when a container stops).
void forget_gone_processes();
std::optional<ProcStatus> read_status(pid_t pid);
ProcStatus parse_status(const std::string& text);  // the text of /proc/<pid>/status

struct ProcStat {
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  int tty_nr = 0;
  uint64_t start_ticks = 0;  // since boot, in clock ticks
};
std::optional<ProcStat> read_stat(pid_t pid);

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

// A blocked thread's memory: process_vm_readv (one call, no fd), or /proc/<tid>/mem where a
// kernel or an LSM refuses it. `after_open`, if given, is asked once /proc/<tid>/mem is
// open (seccomp_unotify(2): the notification is still valid, so the pid was not recycled
// meanwhile); false closes it again. The one reader of caller memory for both channels.
class TaskMemory {
 public:
  explicit TaskMemory(pid_t tid, std::function<bool()> after_open = nullptr)
      : tid_(tid), after_open_(std::move(after_open)) {}
  TaskMemory(const TaskMemory&) = delete;
  TaskMemory& operator=(const TaskMemory&) = delete;
  // Up to n bytes at addr; how many were read (0: none, unmapped or gone).
  size_t read(uint64_t addr, void* out, size_t n);
  // A NUL-terminated string at addr, shorter than max; false if unreadable or not shorter
  // (not trusted as a path).
  bool read_string(uint64_t addr, size_t max, std::string& out);
  // process_vm_readv was refused: reads go through /proc/<tid>/mem.
  bool vm_refused() const { return vm_refused_; }

 private:
  bool open_mem();
  pid_t tid_;
  std::function<bool()> after_open_;
  UniqueFd mem_;
  bool mem_tried_ = false, vm_refused_ = false;
};

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

std::optional<std::string> read_comm(pid_t pid);
std::vector<std::string> read_cmdline(pid_t pid);  // argv, bounded

// Names of the capabilities set in `mask`, space separated (Falco's rendering).
std::string capability_names(uint64_t mask);

// The user or group name for an id from a passwd/group-format file (the container's own).
std::optional<std::string> lookup_id_name(const std::string& file_text, unsigned id);

// The mount points below `rootfs` (as seen in the mount namespace of `pid`) that hold
// files a container can open: binds, volumes, tmpfs such as /dev/shm, cgroupfs. proc,
// sysfs, devpts and mqueue are left out.
std::vector<std::string> container_mounts(pid_t pid, const std::string& rootfs);
std::vector<std::string> parse_container_mounts(const std::string& mountinfo,
                                                const std::string& rootfs);

// Lexically normalises an absolute path ("/a/./b/../c" -> "/a/c").
std::string normalize_path(const std::string& path);

// `path` (absolute, as process `pid` sees it) with its symlinks followed inside the
// process's root, as that process sees the result. A last component that does not exist
// (a file about to be created) is kept as it is. nullopt if its folder cannot be reached.
std::optional<std::string> resolve_in_root(pid_t pid, const std::string& path);

}  // namespace vigil::fields
