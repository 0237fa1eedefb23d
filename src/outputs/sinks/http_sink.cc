// The HTTP sink: one POST of the alert's JSON per alert, as Falco's http_output sends it
// (what Falcosidekick receives), through Boost.Beast, https through OpenSSL.
//
// It runs on its sink thread with an io_context of its own: each step (resolve, connect,
// handshake, write, read) is asynchronous with a deadline, so a peer that hangs costs this
// sink kTimeout per alert and delays nothing else. A failed alert is not retried beyond
// one new connection (a kept-alive connection the peer closed).
#include <zlib.h>

#include <re2/re2.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "src/common/asio_step.h"
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto kTimeout = std::chrono::seconds(5);

struct Url {
  bool tls = false;
  std::string host, port, target;
};

std::optional<Url> parse_url(const std::string& url) {
  static const RE2 re(
      R"(^(https?)://(\[[0-9A-Fa-f:.]+\]|[^/:?#\[\]@]+)(?::([0-9]{1,5}))?([/?][^#]*)?$)");
  std::string scheme, host, port, target;
  if (!RE2::FullMatch(url, re, &scheme, &host, &port, &target)) return std::nullopt;
  Url u;
  u.tls = scheme == "https";
  u.host = host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  u.port = port.empty() ? (u.tls ? "443" : "80") : port;
  u.target = target.empty() ? "/" : target[0] == '?' ? "/" + target : target;
  return u;
}

// gzip (RFC 1952) of `in`, for compress_uploads.
std::string gzip(const std::string& in) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return {};
  std::string out(deflateBound(&z, uLong(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

class HttpSink final : public AlertSink {
 public:
  HttpSink(config::HttpOutput cfg, const FormatOptions& f, Url url,
           std::unique_ptr<ssl::context> tls)
      : cfg_(std::move(cfg)), format_(f), url_(std::move(url)), tls_ctx_(std::move(tls)) {
    format_.json = true;
  }

  std::string_view name() const override { return "http"; }

  bool write(const Alert& a) override {
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    req.set(http::field::host, url_.host);
    req.set(http::field::user_agent, cfg_.user_agent);
    req.set(http::field::content_type, "application/json");
    req.keep_alive(cfg_.keep_alive);
    req.body() = to_json_line(a, format_);
    if (cfg_.compress_uploads) {
      req.set(http::field::content_encoding, "gzip");
      req.body() = gzip(req.body());
    }
    req.prepare_payload();
    // A kept-alive connection the peer has closed since fails at once: one new one.
    const bool reused = connected();
    if (!connected() && !connect()) return false;
    if (exchange(req)) return true;
    if (!reused || !retryable_) return false;
    return connect() && exchange(req);
  }

 private:
  bool connected() const {
    return tls_ ? tls_->next_layer().socket().is_open() : plain_ && plain_->socket().is_open();
  }

  void close() {
    error_code ignored;
    if (tls_) tls_->next_layer().socket().close(ignored);
    if (plain_) plain_->socket().close(ignored);
    tls_.reset();
    plain_.reset();
  }

  // Runs one asynchronous step to its end (the stream's deadline cancels it).
  template <class Start>
  error_code await(Start&& start) {
    return run_step(io_, kTimeout + std::chrono::seconds(1), std::forward<Start>(start),
                    [this] { close(); });
  }

  bool fail(const std::string& step, const error_code& ec) {
    error_ = step + ": " + ec.message();
    close();
    return false;
  }

  bool connect() {
    close();
    tcp::resolver resolver(io_);
    tcp::resolver::results_type endpoints;
    const error_code rec = run_step(
        io_, kTimeout,
        [&](auto done) {
          resolver.async_resolve(
              url_.host, url_.port,
              [&endpoints, done](const error_code& e, tcp::resolver::results_type r) mutable {
                endpoints = std::move(r);
                done(e);
              });
        },
        [&] { resolver.cancel(); });
    if (rec) return fail("resolve " + url_.host, rec);
    beast::tcp_stream* stream;
    if (tls_ctx_) {
      tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *tls_ctx_);
      stream = &tls_->next_layer();
      if (!SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str())) {
        return fail("TLS server name",
                    error_code(int(::ERR_get_error()), net::error::get_ssl_category()));
      }
      if (!cfg_.insecure) tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    } else {
      plain_ = std::make_unique<beast::tcp_stream>(io_);
      stream = plain_.get();
    }
    stream->expires_after(kTimeout);
    if (auto ec = await([&](auto h) { stream->async_connect(endpoints, h); })) {
      return fail("connect to " + url_.host + ":" + url_.port, ec);
    }
    if (tls_) {
      stream->expires_after(kTimeout);
      if (auto ec = await([&](auto h) { tls_->async_handshake(ssl::stream_base::client, h); })) {
        return fail("TLS handshake with " + url_.host, ec);
      }
    }
    return true;
  }

  bool exchange(http::request<http::string_body>& req) {
    retryable_ = true;
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto step = [&](auto&& stream) -> bool {
      beast::get_lowest_layer(stream).expires_after(kTimeout);
      if (auto ec = await([&](auto h) { http::async_write(stream, req, h); })) {
        return fail("POST " + url_.target, ec);
      }
      beast::get_lowest_layer(stream).expires_after(kTimeout);
      if (auto ec = await([&](auto h) { http::async_read(stream, buffer, res, h); })) {
        // A kept-alive connection the peer closed ends here at once (end of stream or a
        // reset): worth one new connection. A peer too slow to answer may have the alert:
        // not sent twice.
        retryable_ = ec != net::error::timed_out && ec != beast::error::timeout;
        return fail("response to POST " + url_.target, ec);
      }
      return true;
    };
    if (!(tls_ ? step(*tls_) : step(*plain_))) return false;
    retryable_ = false;
    if (!res.keep_alive() || !cfg_.keep_alive) close();
    if (res.result_int() / 100 != 2) {
      error_ = "POST " + url_.target + ": HTTP " + std::to_string(res.result_int());
      return false;
    }
    return true;
  }

 public:
  std::string last_error() const override { return error_; }

 private:
  config::HttpOutput cfg_;
  FormatOptions format_;
  Url url_;
  std::unique_ptr<ssl::context> tls_ctx_;
  net::io_context io_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  bool retryable_ = false;
  std::string error_;
};

std::unique_ptr<ssl::context> tls_context(const config::HttpOutput& h, std::string& error) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (h.insecure) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (!h.ca_cert.empty()) {
      if (ctx->load_verify_file(h.ca_cert, ec))
        error = "ca_cert " + h.ca_cert + ": " + ec.message();
    }
    if (!h.ca_bundle.empty() && error.empty()) {
      if (ctx->load_verify_file(h.ca_bundle, ec))
        error = "ca_bundle " + h.ca_bundle + ": " + ec.message();
    }
    if (!h.ca_path.empty() && error.empty()) {
      if (ctx->add_verify_path(h.ca_path, ec)) error = "ca_path " + h.ca_path + ": " + ec.message();
    }
    if (h.ca_cert.empty() && h.ca_bundle.empty() && h.ca_path.empty()) {
      ctx->set_default_verify_paths(ec);
    }
  }
  if (h.mtls && error.empty()) {
    if (ctx->use_certificate_chain_file(h.client_cert, ec)) {
      error = "client_cert " + h.client_cert + ": " + ec.message();
    } else if (ctx->use_private_key_file(h.client_key, ssl::context::pem, ec)) {
      error = "client_key " + h.client_key + ": " + ec.message();
    }
  }
  if (!error.empty()) return nullptr;
  return ctx;
}

}  // namespace

std::unique_ptr<AlertSink> make_http_sink(const config::HttpOutput& h, const FormatOptions& f,
                                          std::string& error) {
  auto url = parse_url(h.url);
  if (!url) {
    error = "'" + h.url + "' is not an http:// or https:// URL";
    return nullptr;
  }
  std::unique_ptr<ssl::context> tls;
  if (url->tls && !(tls = tls_context(h, error))) return nullptr;
  return std::make_unique<HttpSink>(h, f, std::move(*url), std::move(tls));
}

}  // namespace vigil::outputs
