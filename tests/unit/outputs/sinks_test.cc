// The HTTP and program sinks against real peers on this machine: a Beast HTTP server on
// loopback (in this test) and programs run by /bin/sh.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "src/outputs/alert_record.h"
#include "src/outputs/sinks/sinks.h"

namespace vigil::outputs {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

Alert sample(const std::string& rule = "Block mkdir") {
  Alert a;
  a.time_ns = 1'700'000'000'123'456'789;
  a.rule = rule;
  a.priority = Priority::kWarning;
  a.output = "mkdir blocked (path=/tmp/x)";
  a.output_fields = {{"fd.name", "/tmp/x"}};
  a.tags = {"vigil"};
  a.action = "block";
  a.hostname = "node1";
  return a;
}

std::string gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(1 << 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "";
}

// A loopback HTTP server: records each request, answers `status`.
class Receiver {
 public:
  // `hang_up`: closes each connection after its answer, though the answer says keep-alive.
  explicit Receiver(int status = 200, bool hang_up = false)
      : status_(status), hang_up_(hang_up), acceptor_(io_, {tcp::v4(), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~Receiver() {
    stop_ = true;
    boost::system::error_code ec;
    tcp::socket s(io_);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);  // wakes accept
    thread_.join();
  }
  std::string url(const std::string& path = "/alerts") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<http::request<http::string_body>> requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stop_) {
      tcp::socket sock(io_);
      boost::system::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec || stop_) return;
      ++connections_;
      beast::flat_buffer buf;
      for (;;) {
        http::request<http::string_body> req;
        http::read(sock, buf, req, ec);
        if (ec) break;
        {
          std::lock_guard<std::mutex> l(mu_);
          requests_.push_back(req);
        }
        http::response<http::string_body> res{http::status(status_), 11};
        res.keep_alive(req.keep_alive());
        res.body() = "ok";
        res.prepare_payload();
        http::write(sock, res, ec);
        if (ec || !req.keep_alive() || hang_up_) break;
      }
    }
  }

  int status_;
  bool hang_up_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<http::request<http::string_body>> requests_;
  std::thread thread_;
};

std::unique_ptr<AlertSink> http_sink(config::HttpOutput h) {
  h.enabled = true;
  std::string error;
  auto s = make_http_sink(h, FormatOptions{}, error);
  EXPECT_TRUE(s) << error;
  return s;
}

TEST(HttpSink, PostsFalcosJsonPerAlertOnOneKeptConnection) {
  Receiver r;
  config::HttpOutput h;
  h.url = r.url();
  h.user_agent = "vigil-test";
  auto sink = http_sink(h);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(sink->write(sample("rule " + std::to_string(i))));
  const auto reqs = r.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(r.connections(), 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reqs[i].method(), http::verb::post);
    EXPECT_EQ(reqs[i].target(), "/alerts");
    EXPECT_EQ(reqs[i][http::field::content_type], "application/json");
    EXPECT_EQ(reqs[i][http::field::user_agent], "vigil-test");
    const auto j = nlohmann::json::parse(reqs[i].body());
    EXPECT_EQ(j["rule"], "rule " + std::to_string(i));
    EXPECT_EQ(j["hostname"], "node1");
    EXPECT_EQ(j["priority"], "Warning");
    EXPECT_EQ(j["output_fields"]["fd.name"], "/tmp/x");
  }
}

TEST(HttpSink, WithoutKeepAliveEachAlertHasItsConnection) {
  Receiver r;
  config::HttpOutput h;
  h.url = r.url();
  h.keep_alive = false;
  auto sink = http_sink(h);
  ASSERT_TRUE(sink->write(sample()));
  ASSERT_TRUE(sink->write(sample()));
  EXPECT_EQ(r.requests().size(), 2u);
  EXPECT_EQ(r.connections(), 2);
}

TEST(HttpSink, CompressesUploadsWithGzip) {
  Receiver r;
  config::HttpOutput h;
  h.url = r.url();
  h.compress_uploads = true;
  auto sink = http_sink(h);
  ASSERT_TRUE(sink->write(sample()));
  const auto reqs = r.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0][http::field::content_encoding], "gzip");
  EXPECT_EQ(nlohmann::json::parse(gunzip(reqs[0].body()))["rule"], "Block mkdir");
}

TEST(HttpSink, AnErrorStatusOrADeadPeerFailsTheWriteWithAReason) {
  {
    Receiver r(503);
    config::HttpOutput h;
    h.url = r.url();
    auto sink = http_sink(h);
    EXPECT_FALSE(sink->write(sample()));
    EXPECT_NE(sink->last_error().find("HTTP 503"), std::string::npos) << sink->last_error();
  }
  unsigned short dead_port;
  {
    boost::asio::io_context io;
    tcp::acceptor a(io, {tcp::v4(), 0});
    dead_port = a.local_endpoint().port();
  }
  config::HttpOutput h;
  h.url = "http://127.0.0.1:" + std::to_string(dead_port) + "/";
  auto sink = http_sink(h);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(sink->write(sample()));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_NE(sink->last_error().find("connect to 127.0.0.1"), std::string::npos)
      << sink->last_error();
}

TEST(HttpSink, APeerThatClosedAKeptConnectionGetsANewOne) {
  Receiver r(200, /*hang_up=*/true);
  config::HttpOutput h;
  h.url = r.url();
  auto sink = http_sink(h);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(sink->write(sample())) << sink->last_error();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the close arrives
  }
  EXPECT_EQ(r.requests().size(), 3u);
  EXPECT_EQ(r.connections(), 3);
}

TEST(HttpSink, RefusesAUrlItCannotUse) {
  for (const char* url : {"ftp://x/", "http//x", "", "http://", "https://[::1/"}) {
    config::HttpOutput h;
    h.url = url;
    std::string error;
    EXPECT_FALSE(make_http_sink(h, FormatOptions{}, error)) << url;
    EXPECT_FALSE(error.empty());
  }
  config::HttpOutput h;
  h.url = "https://127.0.0.1/";
  h.ca_cert = "/nonexistent/ca.pem";
  std::string error;
  EXPECT_FALSE(make_http_sink(h, FormatOptions{}, error));
  EXPECT_NE(error.find("ca_cert /nonexistent/ca.pem"), std::string::npos) << error;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(ProgramSink, EachAlertIsALineOnTheProgramsStdin) {
  for (bool keep_alive : {false, true}) {
    const std::string path =
        std::string(getenv("TEST_TMPDIR")) + "/program" + std::to_string(keep_alive) + ".json";
    config::ProgramOutput p;
    p.enabled = true;
    p.program = "cat >> " + path;
    p.keep_alive = keep_alive;
    {
      auto sink = make_program_sink(p, FormatOptions{});
      for (int i = 0; i < 3; ++i) ASSERT_TRUE(sink->write(sample("r" + std::to_string(i))));
    }  // a kept program ends when the sink does
    const auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), 3u) << keep_alive;
    EXPECT_EQ(nlohmann::json::parse(lines[2])["rule"], "r2");
  }
}

TEST(ProgramSink, AKeptProgramThatExitsIsStartedAgain) {
  const std::string path = std::string(getenv("TEST_TMPDIR")) + "/head.txt";
  config::ProgramOutput p;
  p.enabled = true;
  p.program = "head -n 1 >> " + path;  // exits after each line
  p.keep_alive = true;
  FormatOptions text;
  text.json = false;
  auto sink = make_program_sink(p, text);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(sink->write(sample("r" + std::to_string(i)))) << sink->last_error();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // lets `head` exit
  }
  sink.reset();
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[2].find("rule=r2"), std::string::npos) << lines[2];
}

TEST(ProgramSink, AProgramThatFailsFailsTheWrite) {
  config::ProgramOutput p;
  p.enabled = true;
  p.program = "cat >/dev/null; exit 3";
  auto sink = make_program_sink(p, FormatOptions{});
  EXPECT_FALSE(sink->write(sample()));
  EXPECT_NE(sink->last_error().find("exited with 3"), std::string::npos) << sink->last_error();
}

TEST(Format, FalcosJsonIncludeOptionsAndTextTime) {
  FormatOptions o;
  o.include_output = false;
  o.include_tags = false;
  const auto j = nlohmann::json::parse(to_json_line(sample(), o));
  EXPECT_FALSE(j.contains("output"));
  EXPECT_FALSE(j.contains("tags"));
  EXPECT_TRUE(j.contains("output_fields"));
  o.json = false;
  o.time_iso_8601 = true;
  EXPECT_EQ(to_line(sample(), o).rfind("2023-11-14T22:13:20.123456789Z: Warning mkdir", 0), 0u)
      << to_line(sample(), o);
  // Syslog stamps its own time: the text message has none.
  EXPECT_EQ(to_syslog_message(sample(), o).rfind("Warning mkdir blocked", 0), 0u);
  o.json = true;
  EXPECT_EQ(nlohmann::json::parse(to_syslog_message(sample(), o))["rule"], "Block mkdir");
}

}  // namespace
}  // namespace vigil::outputs
