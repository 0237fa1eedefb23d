// Accept, recvmsg with SCM_RIGHTS, one JSON object: the runtime side of a session.
#include "src/seccomp/listener.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "src/common/unix_listener.h"

namespace vigil::seccomp {

RuntimeListener::RuntimeListener(boost::asio::io_context& io, OnContainer on_container, Log log)
    : acceptor_(io), on_container_(std::move(on_container)), log_(std::move(log)) {}

bool RuntimeListener::listen(const std::string& path, std::string& error) {
  return listen_unix(acceptor_, path, 128, error);
}

bool RuntimeListener::adopt(int fd, std::string& error) {
  boost::system::error_code bec;
  acceptor_.assign(boost::asio::local::stream_protocol(), fd, bec);
  if (bec) error = bec.message();
  return !bec;
}

void RuntimeListener::start() { accept(); }

void RuntimeListener::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, Socket sock) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (!ec) {
      auto s = std::make_shared<Socket>(std::move(sock));
      s->non_blocking(true);
      read(s, std::make_shared<std::string>(), std::make_shared<UniqueFd>());
    }
    accept();
  });
}

void RuntimeListener::read(std::shared_ptr<Socket> sock, std::shared_ptr<std::string> buf,
                           std::shared_ptr<UniqueFd> fd) {
  sock->async_wait(Socket::wait_read, [this, sock, buf, fd](const boost::system::error_code& ec) {
    if (ec) return;
    char data[16384];
    iovec iov{data, sizeof(data)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(sock->native_handle(), &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      read(sock, buf, fd);
      return;
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int received;
        std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        UniqueFd owned(received);
        if (!*fd) *fd = std::move(owned);  // the first is the seccomp fd; extras are closed
      }
    }
    if (n <= 0) {
      if (!buf->empty()) log_("runtime connection closed before a complete message");
      return;  // an empty connection is a liveness probe (vigil hook)
    }
    buf->append(data, size_t(n));
    if (buf->size() > kMaxRuntimeMessage) {
      log_("runtime message larger than " + std::to_string(kMaxRuntimeMessage) +
           " bytes; connection dropped");
      return;
    }
    const size_t len = complete_json_object(*buf);
    if (len == 0) {
      const size_t first = buf->find_first_not_of(" \t\r\n");
      if (first != std::string::npos && (*buf)[first] != '{') {
        log_("runtime sent something that is not JSON; connection dropped");
        return;
      }
      read(sock, buf, fd);  // never wait for EOF: only for the object's end
      return;
    }
    std::string error;
    auto state = parse_runtime_message(std::string_view(*buf).substr(0, len), error);
    if (!state) {
      log_("bad runtime message: " + error);
      return;
    }
    if (!*fd) {
      log_("runtime message for " + state->container_id + " came without a seccomp fd");
      return;
    }
    on_container_(std::move(*fd), *state);
  });
}

}  // namespace vigil::seccomp
