// Messages between the keeper and the engine: one JSON object per SOCK_SEQPACKET record,
// with up to kMaxChannelFds file descriptors attached (SCM_RIGHTS, received O_CLOEXEC).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "src/common/unique_fd.h"

namespace vigil::keeper {

inline constexpr size_t kMaxChannelMessage = 64 * 1024;
inline constexpr size_t kMaxChannelFds = 8;

// False if the peer is gone or the message is too large.
bool send_message(int sock, const nlohmann::json& msg, const std::vector<int>& fds = {});
enum class Received { kMessage, kNothing, kClosed, kMalformed };
// Reads one message (blocks unless `dont_wait`: then kNothing if none is there). A
// malformed message's fds are closed. kClosed: EOF or a socket error.
Received receive_message(int sock, nlohmann::json& msg, std::vector<UniqueFd>& fds,
                         bool dont_wait = false);

}  // namespace vigil::keeper
