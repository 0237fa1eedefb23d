// Control socket server.
#include "src/control/control_server.h"

#include "src/common/unix_listener.h"

#include <sys/socket.h>
#include <unistd.h>

namespace vigil::control {
namespace {

// A refusal, in the same form as every other answer.
std::string error_line(const std::string& message) {
  return nlohmann::json{{"ok", false}, {"error", message}}.dump() + "\n";
}

}  // namespace

ControlServer::ControlServer(boost::asio::io_context& io, Handler handler)
    : io_(io), acceptor_(io), handler_(std::move(handler)) {}

bool ControlServer::listen(const std::string& path, std::string& error) {
  if (!listen_unix(acceptor_, path, 64, error)) return false;
  accept();
  return true;
}

bool ControlServer::adopt(int fd, std::string& error) {
  boost::system::error_code bec;
  acceptor_.assign(boost::asio::local::stream_protocol(), fd, bec);
  if (bec) {
    error = bec.message();
    return false;
  }
  accept();
  return true;
}

void ControlServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec,
                                boost::asio::local::stream_protocol::socket sock) {
    if (!ec) {
      ucred cred{};
      socklen_t len = sizeof(cred);
      const bool root =
          ::getsockopt(sock.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
          cred.uid == 0;
      auto s = std::make_shared<boost::asio::local::stream_protocol::socket>(std::move(sock));
      if (!root) {
        // The mode 0600 already keeps others out; this holds should the mode or the
        // directory ever be widened (SO_PEERCRED names whoever connected).
        boost::system::error_code ignored;
        boost::asio::write(
            *s, boost::asio::buffer(error_line("only root may use the control socket")), ignored);
      } else {
        serve(s, std::make_shared<std::string>());
      }
    }
    accept();
  });
}

void ControlServer::serve(std::shared_ptr<boost::asio::local::stream_protocol::socket> sock,
                          std::shared_ptr<std::string> buf) {
  auto chunk = std::make_shared<std::array<char, 8192>>();
  sock->async_read_some(
      boost::asio::buffer(*chunk),
      [this, sock, buf, chunk](const boost::system::error_code& ec, size_t n) {
        if (ec) return;
        buf->append(chunk->data(), n);
        size_t nl;
        while ((nl = buf->find('\n')) != std::string::npos) {
          const std::string line = buf->substr(0, nl);
          buf->erase(0, nl + 1);
          nlohmann::json req = nlohmann::json::parse(line, nullptr, false);
          nlohmann::json resp;
          if (req.is_discarded() || !req.is_object()) {
            resp = {{"ok", false}, {"error", "request is not a JSON object"}};
          } else {
            try {
              resp = handler_(req);
            } catch (const std::exception& e) {
              resp = {{"ok", false}, {"error", e.what()}};
            }
          }
          auto out = std::make_shared<std::string>(
              resp.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
          boost::asio::async_write(*sock, boost::asio::buffer(*out),
                                   [out, sock](const boost::system::error_code&, size_t) {});
        }
        if (buf->size() > kMaxControlRequest) {
          boost::system::error_code ignored;
          boost::asio::write(*sock, boost::asio::buffer(error_line("request too large")), ignored);
          return;
        }
        serve(sock, buf);
      });
}

}  // namespace vigil::control
