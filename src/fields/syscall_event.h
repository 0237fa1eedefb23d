// An Event for one seccomp user notification: fields extracted lazily, once, from the
// notification's registers, the target's /proc, and its memory (process_vm_readv, else
// /proc/<pid>/mem). Unreadable values are missing (<NA>), never a crash.
//
// seccomp_unotify(2)'s ID_VALID discipline, applied once per event instead of per read:
// what is read of pid N is the caller's only if N was not recycled meanwhile, that is if
// the caller is still blocked in this call. A decision needs no check: its answer (SEND)
// succeeds only for a call still pending, whose caller was there all along. What is
// written out (an alert, a recording) is checked once with caller_still_there().
#pragma once

#include <linux/seccomp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/fields/container_info.h"
#include "src/fields/event_types.h"
#include "src/fields/process_event.h"
#include "src/fields/sock_tuple.h"
#include "src/proc/blocked_call.h"
#include "src/proc/task_memory.h"

namespace vigil::fields {

// Maps a (arch, nr) pair to vigil's event type, if vigil knows the syscall.
std::optional<EventTypeId> event_type_of(uint32_t arch, int nr);

class SyscallEvent final : public ProcessEvent {
 public:
  SyscallEvent(const seccomp_notif& req, int notify_fd, const ContainerInfo& container,
               uint64_t number);
  EventTypeId type() const override { return type_; }
  Channel channel() const override { return Channel::kSyscall; }

  bool known() const { return known_; }

  // Reads a NUL-terminated string from the target; false if unreadable or longer than max.
  bool read_string(uint64_t addr, size_t max, std::string& out) {
    return mem_.read_string(addr, max, out);
  }

  // Whether what fields read of the caller (memory, /proc) is its own: its notification
  // is still pending (one ID_VALID, the first time it is asked).
  bool caller_still_there();

 private:
  Value extract(const FieldRef& ref) override;
  const Image& image(ImagePart need) override;
  std::optional<std::string> resolve_path(int dirfd, const std::string& path);
  std::optional<std::string> path_arg();  // the syscall's main path, resolved
  std::optional<std::string> raw_path_arg();
  // fs.path.*: the path a one-path syscall works on, or the source and target of rename,
  // link and symlink (a symlink's source is its content, taken from the link's directory).
  Value fs_path_field(F field);
  Value arg_value(std::string_view key, int32_t index, bool raw);
  int arg_index(std::string_view key) const;
  bool still_valid() const;
  // The file behind the syscall's fd argument, duplicated from the target (pidfd_getfd).
  int target_fd();
  // fd.* of a socket (syscall_socket.cc): its type, protocol and two ends.
  Value socket_field(F field);
  const SockTuple& tuple(int fd);
  bool read_bytes(uint64_t addr, size_t n, void* out);
  // Up to n bytes of the caller's memory at addr; how many were read (0: none).
  size_t read_mem(uint64_t addr, void* out, size_t n) { return mem_.read(addr, out, n); }
  // A NULL-terminated array of string pointers (argv, envp), bounded by proc::kMaxArgv and
  // proc::kMaxArgvBytes; false if not even its first pointer could be read.
  bool read_string_array(uint64_t addr, std::vector<std::string>& out);

  seccomp_notif req_;
  int notify_fd_;
  EventTypeId type_ = 0;
  bool known_ = false;
  // Its /proc/<pid>/mem fallback is checked against the notification once opened.
  proc::TaskMemory mem_{pid_t(req_.pid), [this] { return still_valid(); }};
  bool caller_checked_ = false, caller_there_ = false;
  std::optional<std::optional<std::string>> path_cache_;
  std::string exec_filename_;  // an exec's filename argument, as read for image()
  UniqueFd target_fd_;
  bool target_fd_tried_ = false;
  std::optional<SockTuple> tuple_;
};

}  // namespace vigil::fields
