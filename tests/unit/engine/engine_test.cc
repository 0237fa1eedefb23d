// The Engine as a whole (src/engine/engine.h), driven through its real interfaces by fakes
// of its peers: this test plays the keeper (the other end of the keeper channel, and the
// two listening sockets it would bind), the runtime (it hands over a seccomp listener fd
// with runc's message) and the container (a child process whose mkdirs notify that
// listener). What it checks is what sessions.cc and keeper_link.cc promise:
// - a container's session is handed to the keeper before its first answer, its block rule
//   answers the child's mkdir, and when the child exits the session hangs up: the keeper is
//   told to forget it and the registry lets the container go (control `status`);
// - a keeper that goes away is alerted, and the engine keeps answering new containers
//   (a failing keeper link costs protection against the engine's own death, nothing else).
#include "src/engine/engine.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "src/control/control_client.h"
#include "src/keeper/keeper_channel.h"
#include "src/rules/diagnostics.h"
#include "tests/unit/testing/mkdir_listener.h"

namespace vigil::engine {
namespace {

UniqueFd listen_unix(const std::string& path) {
  ::unlink(path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd.get(), 16) != 0) {
    ADD_FAILURE() << "cannot listen on " << path << ": " << std::strerror(errno);
    return {};
  }
  return fd;
}

// Sends `fd` with `size` bytes of `text` on `sock`. No allocation: a forked child of this
// multi-threaded test calls it.
bool send_fd(int sock, const char* text, size_t size, int fd) {
  iovec iov{const_cast<char*>(text), size};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return ::sendmsg(sock, &m, MSG_NOSIGNAL) == ssize_t(size);
}

UniqueFd receive_fd(int sock) {
  char byte;
  iovec iov{&byte, 1};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof(control);
  if (::recvmsg(sock, &m, MSG_CMSG_CLOEXEC) <= 0) return {};
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_type != SCM_RIGHTS) return {};
  int fd;
  std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return UniqueFd(fd);
}

// Sends `fd` with `text` over a new connection to `path`, as runc does to listenerPath.
bool hand_over_listener(const std::string& path, const std::string& text, int fd) {
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  return send_fd(sock.get(), text.data(), text.size(), fd);
}

// A container: a child process under the mkdir filter. It hands its listener fd to the
// test, then mkdirs each path it is sent (one line each) and answers with the errno (0:
// created); it exits when its command pipe closes.
class Child {
 public:
  Child() {
    int sv[2], cmd[2], res[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 || ::pipe2(cmd, 0) != 0 ||
        ::pipe2(res, 0) != 0) {
      ADD_FAILURE() << "pipes: " << std::strerror(errno);
      return;
    }
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(sv[0]);
      ::close(cmd[1]);
      ::close(res[0]);
      const int fd = testing::install_mkdir_listener();
      if (fd < 0 || !send_fd(sv[1], "L", 1, fd)) _exit(3);
      ::close(fd);  // the test holds it now: the child's own copy would keep it open
      ::close(sv[1]);
      char path[512];
      ssize_t n;
      while ((n = ::read(cmd[0], path, sizeof(path) - 1)) > 0) {
        path[n] = 0;
        const int e = ::mkdir(path, 0755) == 0 ? 0 : errno;
        if (::write(res[1], &e, sizeof(e)) != sizeof(e)) _exit(4);
      }
      _exit(0);
    }
    ::close(sv[1]);
    ::close(cmd[0]);
    ::close(res[1]);
    cmd_.reset(cmd[1]);
    res_.reset(res[0]);
    listener_ = receive_fd(sv[0]);
    if (!listener_) ADD_FAILURE() << "the child sent no listener";
    ::close(sv[0]);
  }
  ~Child() { exit(); }
  int listener() const { return listener_.get(); }
  pid_t pid() const { return pid_; }
  void drop_listener() { listener_.reset(); }

  // mkdir(path) in the child; its errno, or -1 if no answer came within 10 s.
  int mkdir(const std::string& path) {
    if (::write(cmd_.get(), path.data(), path.size()) != ssize_t(path.size())) return -1;
    pollfd p{res_.get(), POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return -1;
    int e = -1;
    return ::read(res_.get(), &e, sizeof(e)) == sizeof(e) ? e : -1;
  }
  void exit() {
    cmd_.reset();
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  UniqueFd listener_, cmd_, res_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short: a socket's path must fit sun_path (108 bytes), which TEST_TMPDIR may not.
    char dir[] = "/tmp/vigil-engine-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr) << std::strerror(errno);
    dir_ = dir;
    std::filesystem::create_directories(dir_ + "/work");
    std::ofstream(dir_ + "/rules.yaml") << testing::kBlockedMkdirRule;
    std::ofstream(dir_ + "/vigil.yaml")
        << "rules_files: [" << dir_ << "/rules.yaml]\n"
        << "mode: enforce\nwatch_config_files: false\njson_output: true\n"
        << "stdout_output: {enabled: false}\nsyslog_output: {enabled: false}\n"
        << "file_output: {enabled: true, filename: " << dir_ << "/alerts.json}\n"
        << "listener_socket: " << dir_ << "/seccomp.sock\n"
        << "control_socket: " << dir_ << "/control.sock\n"
        << "log_stderr: true\nlog_syslog: false\n"
        << "container_engines: {docker: {enabled: false}, podman: {enabled: false}, "
           "cri: {enabled: false}}\n";
    rules::Diagnostics diags;
    auto cfg = config::load_config(dir_ + "/vigil.yaml", diags);
    ASSERT_TRUE(cfg) << (diags.all().empty() ? "" : rules::format_diagnostic(diags.all()[0]));
    cfg_ = *cfg;
    // The keeper's part: both listening sockets and the channel, with "ready" waiting.
    listener_ = listen_unix(cfg_.listener_socket);
    control_ = listen_unix(cfg_.control_socket);
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    keeper_.reset(sv[0]);
    engine_end_.reset(sv[1]);
    ASSERT_TRUE(keeper::send_message(keeper_.get(),
                                     {{"op", "ready"}, {"history", nlohmann::json::object()}}));
  }

  void TearDown() override {
    if (thread_.joinable()) {
      ::kill(::getpid(), SIGTERM);  // the engine's signal set stops it
      thread_.join();
    }
    engine_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  void start_engine() {
    keeper::EngineLink link;
    link.channel = engine_end_.get();
    link.listener = listener_.get();
    link.control = control_.get();
    engine_ = std::make_unique<Engine>(cfg_, link);
    ASSERT_TRUE(engine_->start());
    thread_ = std::thread([this] { engine_->run(); });
    // "started" is the first thing a serving engine tells its keeper.
    auto m = next_message(std::chrono::seconds(10));
    ASSERT_EQ(m.value("op", ""), "keep") << m.dump() << " (the alert journal first)";
    m = next_message(std::chrono::seconds(10));
    ASSERT_EQ(m.value("op", ""), "started") << m.dump();
  }

  // The next message the engine sends its keeper; {} if none within `limit`.
  nlohmann::json next_message(std::chrono::milliseconds limit) {
    pollfd p{keeper_.get(), POLLIN, 0};
    if (::poll(&p, 1, int(limit.count())) != 1) return nlohmann::json::object();
    nlohmann::json msg;
    std::vector<UniqueFd> fds;
    if (keeper::receive_message(keeper_.get(), msg, fds) != keeper::Received::kMessage) {
      return nlohmann::json::object();
    }
    msg["fd_count"] = fds.size();
    return msg;
  }

  // The child's listener handed over as runc does for container `id`.
  void run_container(Child& child, const std::string& id) {
    const nlohmann::json state = {{"ociVersion", "1.0.2"},
                                  {"fds", {"seccompFd"}},
                                  {"pid", child.pid()},
                                  {"metadata", ""},
                                  {"state",
                                   {{"ociVersion", "1.0.2"},
                                    {"id", id},
                                    {"status", "running"},
                                    {"pid", child.pid()},
                                    {"bundle", dir_ + "/no-bundle"}}}};
    ASSERT_TRUE(hand_over_listener(cfg_.listener_socket, state.dump(), child.listener()));
    child.drop_listener();  // the engine's (and the keeper's) copies are the only ones now
  }

  nlohmann::json status() {
    std::string error;
    control::Request r;
    r.op = control::Op::kStatus;
    auto resp = control::control_request(cfg_.control_socket, control::encode(r), error, 10000);
    EXPECT_TRUE(resp) << error;
    return resp ? *resp : nlohmann::json::object();
  }

  // Polls `status` until `pred` holds (the io thread answers in its own time).
  template <typename Pred>
  nlohmann::json status_until(Pred pred) {
    nlohmann::json s;
    for (int i = 0; i < 200; ++i) {
      s = status();
      if (pred(s)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return s;
  }

  // The alerts file once it holds `text` (the output thread writes after the answer), or
  // as it is after 10 s.
  std::string alerts_with(const std::string& text) {
    std::string all;
    for (int i = 0; i < 400; ++i) {
      std::ifstream in(dir_ + "/alerts.json");
      std::stringstream s;
      s << in.rdbuf();
      all = s.str();
      if (all.find(text) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return all;
  }

  std::string dir_;
  config::Config cfg_;
  UniqueFd listener_, control_, keeper_, engine_end_;
  std::unique_ptr<Engine> engine_;
  std::thread thread_;
};

TEST_F(EngineTest, ASessionIsKeptBeforeItsFirstAnswerAndForgottenWhenItHangsUp) {
  start_engine();
  Child child;
  run_container(child, "0123456789ab");
  const auto keep = next_message(std::chrono::seconds(10));
  ASSERT_EQ(keep.value("op", ""), "keep") << keep.dump();
  const std::string key = keep.value("key", "");
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(keep["meta"].value("id", ""), "0123456789ab");
  EXPECT_GE(keep.value("fd_count", 0), 1) << "the keeper holds a duplicate of the listener";

  EXPECT_EQ(child.mkdir(dir_ + "/work/blocked"), EACCES) << "the block rule's errno";
  EXPECT_EQ(child.mkdir(dir_ + "/work/fine"), 0);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/work/fine"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/work/blocked"));
  auto s = status();
  ASSERT_EQ(s["seccomp_sessions"].size(), 1u) << s.dump();
  EXPECT_EQ(s["seccomp_sessions"][0].value("notifications", 0), 2);

  // The last process under the filter exits: the listener hangs up.
  child.exit();
  const auto forget = next_message(std::chrono::seconds(10));
  EXPECT_EQ(forget.value("op", ""), "forget") << forget.dump();
  EXPECT_EQ(forget.value("key", ""), key) << "the same item the keeper was handed";
  s = status_until([](const nlohmann::json& j) { return j["seccomp_sessions"].empty(); });
  EXPECT_TRUE(s["seccomp_sessions"].empty()) << s.dump();
  EXPECT_EQ(s.value("containers_known", -1), 0) << "the registry let the container go";
  const std::string blocked = "mkdir " + dir_ + "/work/blocked";
  const std::string written = alerts_with(blocked);
  EXPECT_NE(written.find(blocked), std::string::npos) << written;
}

TEST_F(EngineTest, AKeeperThatGoesAwayIsAlertedAndNewContainersAreStillAnswered) {
  start_engine();
  keeper_.reset();  // the keeper dies: the channel closes
  auto s = status_until([](const nlohmann::json& j) {
    return j.contains("keeper") && !j["keeper"].value("alive", true);
  });
  EXPECT_FALSE(s["keeper"].value("alive", true)) << s.dump();

  // A container that starts now: its keep goes nowhere, its calls are still answered.
  Child child;
  run_container(child, "feedfacecafe");
  EXPECT_EQ(child.mkdir(dir_ + "/work/blocked"), EACCES);
  EXPECT_EQ(child.mkdir(dir_ + "/work/fine"), 0);
  s = status();
  EXPECT_EQ(s["seccomp_sessions"].size(), 1u) << s.dump();
  child.exit();
  s = status_until([](const nlohmann::json& j) { return j["seccomp_sessions"].empty(); });
  EXPECT_TRUE(s["seccomp_sessions"].empty()) << s.dump();
  EXPECT_NE(alerts_with("vigil: the keeper died").find("vigil: the keeper died"),
            std::string::npos);
  const std::string blocked = "mkdir " + dir_ + "/work/blocked";
  const std::string written = alerts_with(blocked);
  EXPECT_NE(written.find(blocked), std::string::npos) << written;
}

}  // namespace
}  // namespace vigil::engine
