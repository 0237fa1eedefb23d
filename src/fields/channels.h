// The one place where vigil's file channels (vigil/field.h) become fanotify's FAN_* bits.
// The rules say which channels they need; this says how the kernel is asked for them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "vigil/field.h"

namespace vigil::fields {

// The FAN_* bits that report events of `channels` (only the file channels count).
uint64_t mask_of(ChannelMask channels);
// The channel an event with these FAN_* bits belongs to (kFileOpen for anything else).
Channel channel_of(uint64_t fan_mask);
// Names of the bits of `mask`, for reports ("FAN_OPEN_PERM", ...), in a fixed order.
std::vector<std::string_view> mask_names(uint64_t mask);

}  // namespace vigil::fields
