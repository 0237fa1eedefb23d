// The listener socket runtimes connect to (`linux.seccomp.listenerPath`): accepts each
// connection, reads one container process state and the seccomp notify fd sent with it
// (SCM_RIGHTS), and hands both on. It decides nothing and keeps nothing: the engine makes
// a session of what it gets. Garbage, oversized or fd-less messages are logged and dropped.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "src/common/unique_fd.h"
#include "src/seccomp/runtime_message.h"

namespace vigil::seccomp {

class RuntimeListener {
 public:
  // Called on the io thread with the notify fd and the state it came with.
  using OnContainer = std::function<void(UniqueFd notify_fd, const ContainerProcessState& state)>;
  using Log = std::function<void(const std::string&)>;

  RuntimeListener(boost::asio::io_context& io, OnContainer on_container, Log log);
  // Binds `path` (mode 0600, parent folders created) and listens; false with `error`.
  bool listen(const std::string& path, std::string& error);
  // Serves an already listening socket (the keeper's, which outlives engines).
  bool adopt(int fd, std::string& error);
  void start();  // accepts from now on

 private:
  using Socket = boost::asio::local::stream_protocol::socket;
  void accept();
  void read(std::shared_ptr<Socket> sock, std::shared_ptr<std::string> buf,
            std::shared_ptr<UniqueFd> fd);

  boost::asio::local::stream_protocol::acceptor acceptor_;
  OnContainer on_container_;
  Log log_;
};

}  // namespace vigil::seccomp
