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

namespace vigil::proc {

inline constexpr size_t kMaxProcFile = 64 * 1024;

std::optional<std::string> read_small_file(const std::string& path, size_t max = kMaxProcFile);
// A host file as a container's runtime sees it: through `through` first (the root of a
// container being created, "/proc/<pid>/root", where a daemon in a pod sees the host's
// tree), then by its own path. `through` empty: the path only.
std::optional<std::string> read_host_file(const std::string& through, const std::string& path,
                                          size_t max = kMaxProcFile);
std::optional<std::string> read_link(const std::string& path);
// What this process's fd `fd` names (/proc/self/fd/<fd>, read through a kept directory
// fd): the kernel's path of a fanotify event's file. nullopt if unreadable or too long.
std::optional<std::string> fd_path(int fd);

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
// /proc/<tid>/syscall as it is now, through the kept fds (blocked_call.h parses it).
std::optional<std::string> read_syscall_file(pid_t tid);
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

}  // namespace vigil::proc
