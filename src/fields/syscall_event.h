// An Event for one seccomp user notification: fields extracted lazily, once, from the
// notification's registers, the target's /proc, and its memory (read through
// /proc/<pid>/mem under seccomp_unotify(2)'s ID_VALID discipline). Unreadable values are
// missing (<NA>), never a crash.
#pragma once

#include <linux/seccomp.h>

#include <array>
#include <cstdint>
#include <forward_list>
#include <optional>
#include <string>
#include <vector>

#include "src/common/unique_fd.h"
#include "src/fields/container_info.h"
#include "src/fields/event_types.h"
#include "vigil/event.h"

namespace vigil::fields {

inline constexpr size_t kMaxPath = 4096;        // PATH_MAX: longer is truncated, <NA>
inline constexpr size_t kMaxArgv = 256;         // execve arguments read
inline constexpr size_t kMaxArgvBytes = 32768;  // total bytes of execve arguments read

// Maps a (arch, nr) pair to vigil's event type, if vigil knows the syscall.
std::optional<EventTypeId> event_type_of(uint32_t arch, int nr);

class SyscallEvent final : public Event {
 public:
  SyscallEvent(const seccomp_notif& req, int notify_fd, const ContainerInfo& container,
               uint64_t number);
  EventTypeId type() const override { return type_; }
  Channel channel() const override { return Channel::kSyscall; }
  Value field(const FieldRef& ref) override;

  bool known() const { return known_; }
  pid_t pid() const { return pid_; }

  // Reads a NUL-terminated string from the target; false if unreadable or longer than max.
  bool read_string(uint64_t addr, size_t max, std::string& out);

 private:
  struct Image {  // what proc.* describe: the caller, or the new program of an execve
    std::string name, exe, exepath, args, cmdline;
    unsigned parts = 0;  // which parts were read
    bool ok = false, ok_args = false, ok_exepath = false;
  };
  enum ImagePart : unsigned { kName = 1, kArgs = 2, kExePath = 4 };
  Value str(std::string s);
  const Image& image(ImagePart need);
  std::optional<std::string> resolve_path(int dirfd, const std::string& path);
  std::optional<std::string> path_arg();  // the syscall's main path, resolved
  std::optional<std::string> raw_path_arg();
  Value arg_value(const std::string& key, int32_t index, bool raw);
  int arg_index(const std::string& key) const;
  Value ancestor(int32_t index, int what);  // what: 0 name, 1 exe, 2 exepath, 3 pid
  bool still_valid() const;
  Value extract(const FieldRef& ref);

  struct Cached {
    FieldId id;
    int32_t index;
    std::string_view key;  // points into the rule program, which outlives the event
    Value value;
  };
  // Fields extracted so far; a fixed array, so that an event allocates nothing for it.
  std::array<Cached, 24> cache_;
  size_t cached_ = 0;

  seccomp_notif req_;
  int notify_fd_;
  const ContainerInfo& container_;
  uint64_t number_;
  EventTypeId type_ = 0;
  bool known_ = false;
  pid_t pid_;
  UniqueFd mem_;
  bool mem_tried_ = false;
  Image image_;
  // Stable addresses for the string_views returned; allocates nothing until used (an
  // event whose rules read no strings costs no allocation).
  std::forward_list<std::string> storage_;
  std::vector<std::string_view> list_;
  std::optional<std::optional<std::string>> path_cache_;
};

}  // namespace vigil::fields
