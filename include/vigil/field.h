// Field vocabulary shared by the rule compiler and the event sources: what a field is,
// its type, and which kernel channel can supply it. The registry itself lives in src/fields.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil {

// Where an event comes from. A rule is bound, per event type, to exactly one channel.
enum class Channel : uint8_t {
  kSyscall = 0,     // seccomp user notification, evaluated before the syscall runs
  kFileOpen = 1,    // fanotify FAN_OPEN_PERM
  kFileExec = 2,    // fanotify FAN_OPEN_EXEC_PERM
  kFileModify = 3,  // fanotify FAN_MODIFY / FAN_CLOSE_WRITE (after the fact, cannot block)
};
inline constexpr int kChannelCount = 4;
using ChannelMask = uint8_t;
inline constexpr ChannelMask channel_bit(Channel c) { return ChannelMask(1u << unsigned(c)); }
inline constexpr ChannelMask kAllFileChannels = channel_bit(Channel::kFileOpen) |
                                                channel_bit(Channel::kFileExec) |
                                                channel_bit(Channel::kFileModify);
inline constexpr ChannelMask kAllChannels = channel_bit(Channel::kSyscall) | kAllFileChannels;

std::string_view channel_name(Channel c);

enum class FieldType : uint8_t {
  kString,
  kInt,
  kBool,
  kIp,          // an IPv4/IPv6 address; compared to addresses or CIDR networks
  kStringList,  // several values (proc.aname without index): a check matches if any does
};

std::string_view field_type_name(FieldType t);

// How a field takes an argument: proc.aname[2], evt.arg.flags / evt.arg[0], thread.cap...
enum class FieldArg : uint8_t { kNone, kOptionalIndex, kRequiredIndex, kRequiredKeyOrIndex };

using FieldId = uint16_t;

// A field reference bound at compile time: the event answers it without string lookups.
struct FieldRef {
  FieldId id = 0;
  int32_t index = -1;    // proc.aname[2] -> 2, evt.arg[0] -> 0
  std::string_view key;  // evt.arg.flags -> "flags" (points into the compiled program)
};

}  // namespace vigil
