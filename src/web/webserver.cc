// The webserver: the keeper's socket and 503 answer, the engine's Beast server.
#include "src/web/webserver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstring>
#include <optional>
#include <sstream>

namespace vigil::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

constexpr int kMaxConnections = 64;
constexpr auto kIdle = std::chrono::seconds(10);

bool to_sockaddr(const std::string& address, int port, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof(ss));
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(uint16_t(port));
    len = sizeof(*v4);
    return true;
  }
  if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(uint16_t(port));
    len = sizeof(*v6);
    return true;
  }
  return false;
}

template <class Body>
std::string serialize(http::response<Body>& res) {
  std::ostringstream os;
  os << res;
  return os.str();
}

}  // namespace

UniqueFd listen_tcp(const std::string& address, int port, std::string& error) {
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!to_sockaddr(address, port, ss, len)) {
    error = "'" + address + "' is not an IP address";
    return {};
  }
  UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int one = 1;
  if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd.get(), 64) != 0) {
    error =
        "cannot listen on " + address + ":" + std::to_string(port) + ": " + std::strerror(errno);
    return {};
  }
  return fd;
}

bool bound_to(int fd, const std::string& address, int port) {
  sockaddr_storage want, have;
  socklen_t want_len = 0, have_len = sizeof(have);
  int listening = 0;
  socklen_t llen = sizeof(listening);
  if (!to_sockaddr(address, port, want, want_len) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&have), &have_len) != 0 ||
      ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) != 0 || !listening) {
    return false;
  }
  return have_len == want_len && std::memcmp(&have, &want, want_len) == 0;
}

bool in_other_netns(int fd) {
  uint64_t theirs = 0, ours = 0;
  socklen_t len = sizeof(theirs);
  UniqueFd probe(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (::getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &theirs, &len) != 0 || !probe) return false;
  len = sizeof(ours);
  if (::getsockopt(probe.get(), SOL_SOCKET, SO_NETNS_COOKIE, &ours, &len) != 0) return false;
  return theirs != ours;
}

void answer_directly(int listen_fd, int status, const std::string& why) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "vigil");
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(false);
  res.body() = why + "\n";
  res.prepare_payload();
  const std::string bytes = serialize(res);
  for (;;) {
    UniqueFd c(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!c) return;  // none left waiting (the listening socket is non-blocking for this)
    // Reads the request first (a close with unread data would reset the answer away).
    std::string req;
    char buf[2048];
    for (int waited = 0; waited < 100 && req.find("\r\n\r\n") == std::string::npos;) {
      const ssize_t n = ::recv(c.get(), buf, sizeof(buf), 0);
      if (n > 0) {
        if (req.size() < 16384) req.append(buf, size_t(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) break;
      pollfd p{c.get(), POLLIN, 0};
      ::poll(&p, 1, 10);
      waited += 10;
    }
    (void)!::send(c.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(c.get(), SHUT_WR);
  }
}

struct WebServer::Connection : std::enable_shared_from_this<Connection> {
  Connection(tcp::socket s, Handler& h, std::shared_ptr<int> open)
      : stream(std::move(s)), handler(h), open(std::move(open)) {
    ++*this->open;
  }
  ~Connection() { --*open; }

  void read() {
    req = {};
    parser.emplace();
    parser->header_limit(8192);
    parser->body_limit(8192);
    stream.expires_after(kIdle);
    http::async_read(stream, buffer, *parser,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->answer();
                     });
  }

  void answer() {
    req = parser->release();
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->set(http::field::server, "vigil");
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res->result(http::status::method_not_allowed);
      res->set(http::field::allow, "GET, HEAD");
      res->body() = "only GET and HEAD\n";
    } else {
      std::string path(req.target());
      path = path.substr(0, path.find('?'));
      const WebResponse r = handler(path);
      res->result(http::status(r.status));
      res->set(http::field::content_type, r.content_type);
      res->body() = r.body;
    }
    res->keep_alive(req.keep_alive());
    res->prepare_payload();
    if (req.method() == http::verb::head) res->body().clear();
    stream.expires_after(kIdle);
    http::async_write(stream, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) {
        beast::error_code ignored;
        self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      self->read();
    });
  }

  beast::tcp_stream stream;
  Handler& handler;
  std::shared_ptr<int> open;
  beast::flat_buffer buffer;
  std::optional<http::request_parser<http::string_body>> parser;
  http::request<http::string_body> req;
};

WebServer::WebServer(boost::asio::io_context& io, Handler handler)
    : io_(io), acceptor_(io), handler_(std::move(handler)), open_(std::make_shared<int>(0)) {}

WebServer::~WebServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

bool WebServer::adopt(UniqueFd fd, std::string& error) {
  sockaddr_storage ss;
  socklen_t len = sizeof(ss);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    error = std::strerror(errno);
    return false;
  }
  boost::system::error_code ec;
  acceptor_.assign(ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd.get(), ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  (void)fd.release();
  accept();
  return true;
}

std::string WebServer::where() const {
  boost::system::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

void WebServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket sock) {
    if (ec == boost::asio::error::operation_aborted) return;
    if (!ec) {
      // More than kMaxConnections at once: the newest is closed unanswered (a flood costs
      // the engine nothing but an accept and a close).
      if (*open_ < kMaxConnections) {
        std::make_shared<Connection>(std::move(sock), handler_, open_)->read();
      }
    }
    accept();
  });
}

}  // namespace vigil::web
