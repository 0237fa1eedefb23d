// The control socket: newline-delimited JSON requests from hooks and the CLI, one JSON
// response each. Only root peers are served (SO_PEERCRED); requests are bounded in size.
#pragma once

#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace vigil::control {

inline constexpr size_t kMaxControlRequest = 1 << 20;

class ControlServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json& request)>;
  ControlServer(boost::asio::io_context& io, Handler handler);
  // Binds `path` (mode 0600) and starts accepting; false with `error` on failure.
  bool listen(const std::string& path, std::string& error);
  // Serves an already listening socket (the keeper's).
  bool adopt(int fd, std::string& error);

 private:
  void accept();
  void serve(std::shared_ptr<boost::asio::local::stream_protocol::socket> sock,
             std::shared_ptr<std::string> buf);

  boost::asio::io_context& io_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  Handler handler_;
};

}  // namespace vigil::control
