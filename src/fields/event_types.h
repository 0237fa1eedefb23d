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
struct ArgInfo {
  std::string_view name;
  bool from_memory;
};

struct EventTypeInfo {
  std::string_view name;      // Falco's evt.type
  std::string_view syscall;   // the syscall to NOTIFY; empty if seccomp cannot see it
  ChannelMask file_channels;  // the fanotify channels that report it; 0 if none
  std::vector<ArgInfo> args;  // in syscall order; evt.arg[N] indexes this
  bool exec;                  // an execve-like event: proc.* describe the new image
};

const std::vector<EventTypeInfo>& event_types();
std::optional<EventTypeId> find_event_type(std::string_view name);
const EventTypeInfo& event_type(EventTypeId id);
EventTypeSet all_event_types();

// The channels that can report this event type.
ChannelMask event_type_channels(EventTypeId id);

}  // namespace vigil::fields
