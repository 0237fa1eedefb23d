// SOCK_SEQPACKET keeps record boundaries: one sendmsg is one message.
#include "src/keeper/keeper_channel.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace vigil::keeper {

bool send_message(int sock, const nlohmann::json& msg, const std::vector<int>& fds) {
  const std::string text = msg.dump();
  if (text.size() > kMaxChannelMessage || fds.size() > kMaxChannelFds) return false;
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxChannelFds)];
  if (!fds.empty()) {
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(sock, &m, MSG_NOSIGNAL) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

Received receive_message(int sock, nlohmann::json& msg, std::vector<UniqueFd>& fds,
                         bool dont_wait) {
  fds.clear();
  std::string buf(kMaxChannelMessage, '\0');
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxChannelFds)];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = ::recvmsg(sock, &m, MSG_CMSG_CLOEXEC | (dont_wait ? MSG_DONTWAIT : 0));
  } while (n < 0 && errno == EINTR);
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.emplace_back(fd);
    }
  }
  if (n < 0 && errno == EAGAIN) return Received::kNothing;
  if (n <= 0) return Received::kClosed;
  if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    fds.clear();
    return Received::kMalformed;
  }
  msg = nlohmann::json::parse(buf.begin(), buf.begin() + n, nullptr, false);
  if (!msg.is_object()) {
    fds.clear();
    return Received::kMalformed;
  }
  return Received::kMessage;
}

}  // namespace vigil::keeper
