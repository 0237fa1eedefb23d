// Channel <-> FAN_* bits.
#include "src/fields/channels.h"

#include <sys/fanotify.h>

#include <utility>

namespace vigil::fields {

uint64_t mask_of(ChannelMask channels) {
  uint64_t m = 0;
  if (channels & channel_bit(Channel::kFileOpen)) m |= FAN_OPEN_PERM;
  if (channels & channel_bit(Channel::kFileExec)) m |= FAN_OPEN_EXEC_PERM;
  // After the fact: a write cannot be refused, only reported.
  if (channels & channel_bit(Channel::kFileModify)) m |= FAN_MODIFY | FAN_CLOSE_WRITE;
  return m;
}

Channel channel_of(uint64_t fan_mask) {
  if (fan_mask & FAN_OPEN_EXEC_PERM) return Channel::kFileExec;
  if (fan_mask & (FAN_MODIFY | FAN_CLOSE_WRITE)) return Channel::kFileModify;
  return Channel::kFileOpen;
}

std::vector<std::string_view> mask_names(uint64_t mask) {
  static constexpr std::pair<uint64_t, std::string_view> kNames[] = {
      {FAN_OPEN_PERM, "FAN_OPEN_PERM"},
      {FAN_OPEN_EXEC_PERM, "FAN_OPEN_EXEC_PERM"},
      {FAN_MODIFY, "FAN_MODIFY"},
      {FAN_CLOSE_WRITE, "FAN_CLOSE_WRITE"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames) {
    if (mask & bit) out.push_back(name);
  }
  return out;
}

}  // namespace vigil::fields
