// The hook stages against a daemon that is down, one that refuses and one that accepts,
// each a real UNIX socket: the exit status, what the runtime is told, what the daemon got.
#include "src/hook/hook.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace vigil::hook {
namespace {

namespace fs = std::filesystem;

class HookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-hook-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    cfg_.control_socket = dir_ + "/control.sock";
    cfg_.listener_socket = dir_ + "/listener.sock";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A daemon that answers one request with `answer` and keeps what it was sent.
  std::thread fake_daemon(nlohmann::json answer) {
    ::unlink(cfg_.control_socket.c_str());
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", cfg_.control_socket.c_str());
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd, 1), 0);
    return std::thread([this, fd, answer] {
      int c = ::accept(fd, nullptr, nullptr);
      std::string line;
      char ch;
      while (::read(c, &ch, 1) == 1 && ch != '\n') line += ch;
      received_ = nlohmann::json::parse(line, nullptr, false);
      const std::string out = answer.dump() + "\n";
      EXPECT_EQ(::write(c, out.data(), out.size()), ssize_t(out.size()));
      ::close(c);
      ::close(fd);
    });
  }

  size_t notes() const {
    std::error_code ec;
    size_t n = 0;
    for (auto it = fs::directory_iterator(dir_ + "/unmonitored", ec);
         !ec && it != fs::directory_iterator(); ++it) {
      ++n;
    }
    return n;
  }

  std::string dir_;
  config::Config cfg_;
  nlohmann::json received_;
  const std::string state_ = R"({"ociVersion":"1.0.2","id":"c1","pid":1,"bundle":"/b"})";
};

TEST_F(HookTest, StageNames) {
  EXPECT_EQ(stage_name(Stage::kPrecreate), "precreate");
  EXPECT_EQ(stage_name(Stage::kCreateRuntime), "createRuntime");
  EXPECT_EQ(stage_name(Stage::kPoststop), "poststop");
  EXPECT_EQ(config_failure_status(Stage::kPoststop), 0);
  EXPECT_EQ(config_failure_status(Stage::kCreateRuntime), 1);
  EXPECT_EQ(config_failure_status(Stage::kPrecreate), 1);
}

TEST_F(HookTest, GarbageOnStdinRefusesExceptAtPoststop) {
  std::ostringstream err, out;
  EXPECT_EQ(run_state_hook(Stage::kCreateRuntime, cfg_, "{not json", err), 1);
  EXPECT_NE(err.str().find("not an OCI state"), std::string::npos) << err.str();
  EXPECT_EQ(run_state_hook(Stage::kPoststop, cfg_, R"({"no":"id"})", err), 0);
  EXPECT_EQ(run_precreate(cfg_, "[1,2]", out, err), 1);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("not an OCI config"), std::string::npos) << err.str();
}

TEST_F(HookTest, DaemonDownAllowRunsUnmonitoredLoudlyAndLeavesANote) {
  cfg_.on_daemon_unavailable = config::Unavailable::kAllow;
  std::ostringstream err;
  EXPECT_EQ(run_state_hook(Stage::kCreateRuntime, cfg_, state_, err), 0);
  EXPECT_NE(err.str().find("UNMONITORED"), std::string::npos) << err.str();
  EXPECT_EQ(notes(), 1u);
}

TEST_F(HookTest, DaemonDownDenyRefusesTheContainer) {
  cfg_.on_daemon_unavailable = config::Unavailable::kDeny;
  std::ostringstream err;
  EXPECT_EQ(run_state_hook(Stage::kCreateRuntime, cfg_, state_, err), 1);
  EXPECT_NE(err.str().find("on_daemon_unavailable is deny"), std::string::npos) << err.str();
  EXPECT_EQ(notes(), 0u);
  // A stopped container needs nothing from a daemon that is down.
  EXPECT_EQ(run_state_hook(Stage::kPoststop, cfg_, state_, err), 0);
}

TEST_F(HookTest, CreateRuntimeRegistersTheStateAndPassesOnAWarning) {
  auto t = fake_daemon({{"ok", true}, {"warning", "files are not watched"}});
  std::ostringstream err;
  EXPECT_EQ(run_state_hook(Stage::kCreateRuntime, cfg_, state_, err), 0);
  t.join();
  EXPECT_EQ(received_.value("op", ""), "container_created") << received_.dump();
  EXPECT_EQ(received_["state"].value("id", ""), "c1") << received_.dump();
  EXPECT_NE(err.str().find("WARNING: files are not watched"), std::string::npos) << err.str();
}

TEST_F(HookTest, ARefusalFailsCreateButNeverPoststop) {
  auto t = fake_daemon({{"ok", false}, {"error", "no such session"}});
  std::ostringstream err;
  EXPECT_EQ(run_state_hook(Stage::kCreateRuntime, cfg_, state_, err), 1);
  t.join();
  EXPECT_NE(err.str().find("no such session"), std::string::npos) << err.str();
  auto t2 = fake_daemon({{"ok", false}, {"error", "unknown container"}});
  EXPECT_EQ(run_state_hook(Stage::kPoststop, cfg_, state_, err), 0);
  t2.join();
  EXPECT_EQ(received_.value("op", ""), "container_stopped") << received_.dump();
}

}  // namespace
}  // namespace vigil::hook
