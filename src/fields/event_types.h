// The event types vigil knows (Falco's evt.type names), and for each one the kernel
// channels that can report it: a syscall to NOTIFY through seccomp, fanotify events, or both.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "vigil/event.h"
#include "vigil/field.h"

namespace vigil::fields {

inline constexpr size_t kMaxEventTypes = 128;
using EventTypeSet = std::bitset<kMaxEventTypes>;

// An argument as Falco names it (evt.arg.<name>). A pointer argument is read from the
// target's memory: deciding on it before the syscall runs is racy (seccomp_unotify(2)).
// How a register argument renders in evt.arg.<name> (Falco's renderings), decided once per
// event type when the table is built.
enum class ArgRender : uint8_t {
  kUnsigned,       // a plain number
  kInt,            // a C int: descriptors and pids (-100 for AT_FDCWD)
  kOctal,          // a mode
  kOpenFlags,      // O_RDONLY|O_CLOEXEC...
  kAtFlags,        // execveat's AT_EMPTY_PATH|AT_SYMLINK_NOFOLLOW
  kCloneFlags,     // CLONE_NEWNS|... (clone, unshare, setns)
  kPtraceRequest,  // PTRACE_ATTACH...
  kSocketDomain,   // AF_INET...
};

struct ArgInfo {
  std::string_view name;
  bool from_memory;
  ArgRender render = ArgRender::kUnsigned;
};

// Where a syscall keeps what the fields read, by argument position (-1: it has none).
struct ArgLayout {
  int8_t path = -1;           // the path it works on (fd.name, fs.path.name)
  int8_t dirfd = -1;          // the directory fd that path is relative to
  int8_t target = -1;         // rename, link, symlink: where the second path goes
  int8_t target_dirfd = -1;   // and its directory fd
  int8_t flags = -1;          // open flags (evt.is_open_*), when in a register
  int8_t file_fd = -1;        // the descriptor whose file fd.* describe (dup's oldfd, fd)
  int8_t exec_filename = -1;  // execve's filename, execveat's pathname
  int8_t exec_argv = -1;
  bool symlink = false;  // the first path is a link's content, not a file
};

// What a call does to the fanotify decision cache, which sits on inodes: a rename or a
// link gives a cached inode another name (its decision would follow it there); io_uring
// can rename and link without any call seccomp sees (src/fanotify/rename_barrier.h).
enum class CacheEffect : uint8_t { kNone, kRename, kLink, kRing };

struct EventTypeInfo {
  std::string_view name;      // Falco's evt.type
  std::string_view syscall;   // the syscall to NOTIFY; empty if seccomp cannot see it
  ChannelMask file_channels;  // the fanotify channels that report it; 0 if none
  std::vector<ArgInfo> args;  // in syscall order; evt.arg[N] indexes this
  bool exec;                  // an execve-like event: proc.* describe the new image
  ArgLayout layout = {};      // derived from args when the table is built
  CacheEffect cache_effect = CacheEffect::kNone;  // derived from the name, likewise
};

const std::vector<EventTypeInfo>& event_types();
std::optional<EventTypeId> find_event_type(std::string_view name);
const EventTypeInfo& event_type(EventTypeId id);
EventTypeSet all_event_types();

// The syscalls that must be intercepted while file decisions are cached: every one whose
// cache_effect is not kNone, by its seccomp name.
const std::vector<std::string_view>& cache_barrier_syscalls();

// The channels that can report this event type.
ChannelMask event_type_channels(EventTypeId id);

// An argument's value as Falco shows it (arg_render.cc): flag names joined by '|', a
// request's or a domain's name, an octal mode, or the number.
std::string render_arg(ArgRender how, uint64_t v);

}  // namespace vigil::fields
