// The webserver (Falco's `webserver:` keys): GET of the health endpoint and /metrics.
//
// Its TCP socket is bound by the keeper, like the control socket, so it outlives engines
// and moves with a hand-over. While an engine runs, the engine serves it (WebServer, on its
// io thread, Boost.Beast); while none does (it died and is backed off, or is starting), the
// keeper answers every request itself with 503 (answer_unavailable), so a probe sees why
// instead of a timeout.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "src/common/unique_fd.h"

namespace vigil::web {

// A listening TCP socket on address:port (SO_REUSEADDR, O_CLOEXEC); invalid with `error`.
UniqueFd listen_tcp(const std::string& address, int port, std::string& error);
// Whether `fd` is a listening socket bound to address:port (a kept one still fits the
// config).
bool bound_to(int fd, const std::string& address, int port);
// The keeper's own answer, to each waiting connection: `status` with `why` (503 while no
// engine serves; 200 from a keeper that handed over and waits to be stopped). Never
// blocks for long: each connection gets 100 ms to send its request.
void answer_directly(int listen_fd, int status, const std::string& why);
inline void answer_unavailable(int listen_fd, const std::string& why) {
  answer_directly(listen_fd, 503, why);
}
// Whether socket `fd` belongs to another network namespace than this process (a
// predecessor in another pod handed over a socket its own probes reach, not ours).
bool in_other_netns(int fd);

struct WebResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class WebServer {
 public:
  // Called for each GET (HEAD too) with the target's path, on the io thread.
  using Handler = std::function<WebResponse(const std::string& path)>;
  WebServer(boost::asio::io_context& io, Handler handler);
  ~WebServer();
  // Serves a listening socket (the keeper's, or one listen_tcp made); false with `error`.
  bool adopt(UniqueFd fd, std::string& error);
  std::string where() const;  // "address:port"

 private:
  struct Connection;
  void accept();
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  std::shared_ptr<int> open_;  // connections being served, shared with each of them
};

}  // namespace vigil::web
