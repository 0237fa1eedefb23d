// The runtime's listener message, in runc's and crun's real formats, and garbage.
#include "src/seccomp/runtime_message.h"

#include <gtest/gtest.h>

namespace vigil::seccomp {
namespace {

// Shapes as measured on this machine (DESIGN.md): runc sends compact JSON...
const char* kRunc =
    R"({"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":4242,"metadata":"","state":{"ociVersion":"1.0.2-dev","id":"abc123","status":"creating","pid":4242,"bundle":"/run/b","annotations":{"io.kubernetes.cri.container-name":"web"}}})";
// ...crun pretty-prints, and sends pid 0 for exec.
const char* kCrun = R"({
  "ociVersion": "0.2.0",
  "fds": [
    "seccompFd"
  ],
  "pid": 0,
  "metadata": "",
  "state": {
    "ociVersion": "0.2.0",
    "id": "ctr-1",
    "status": "running",
    "pid": 77,
    "bundle": "/tmp/b"
  }
})";

TEST(RuntimeMessage, ParsesRuncAndCrun) {
  std::string err;
  auto r = parse_runtime_message(kRunc, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->container_id, "abc123");
  EXPECT_EQ(r->pid, 4242);
  EXPECT_EQ(r->status, "creating");
  EXPECT_EQ(r->annotations.at("io.kubernetes.cri.container-name"), "web");
  EXPECT_EQ(r->seccomp_fd_index, 0);
  auto c = parse_runtime_message(kCrun, err);
  ASSERT_TRUE(c) << err;
  EXPECT_EQ(c->container_id, "ctr-1");
  EXPECT_EQ(c->pid, 0);
  EXPECT_EQ(c->container_pid, 77);
}

TEST(RuntimeMessage, CompleteObjectWithoutWaitingForEof) {
  const std::string msg = kRunc;
  EXPECT_EQ(complete_json_object(msg), msg.size());
  EXPECT_EQ(complete_json_object(msg.substr(0, msg.size() - 1)), 0u);
  EXPECT_EQ(complete_json_object(msg + "trailing"), msg.size());
  EXPECT_EQ(complete_json_object(R"({"a":"}{"})"), 10u) << "braces inside strings";
  EXPECT_EQ(complete_json_object(R"({"a":"\"}"})"), 11u) << "escaped quotes";
  EXPECT_EQ(complete_json_object("garbage"), 0u);
}

TEST(RuntimeMessage, GarbageIsAnErrorNotACrash) {
  std::string err;
  EXPECT_FALSE(parse_runtime_message("", err));
  EXPECT_FALSE(parse_runtime_message("{", err));
  EXPECT_FALSE(parse_runtime_message("[1,2,3]", err));
  EXPECT_FALSE(parse_runtime_message(R"({"fds":["x"],"state":{"id":"a"}})", err));
  EXPECT_NE(err.find("seccompFd"), std::string::npos);
  EXPECT_FALSE(parse_runtime_message(R"({"fds":["seccompFd"],"state":{}})", err));
  EXPECT_FALSE(parse_runtime_message(R"({"fds":["seccompFd"],"state":{"id":7}})", err));
  EXPECT_FALSE(parse_runtime_message(std::string(kMaxRuntimeMessage + 1, ' '), err));
  EXPECT_NE(err.find("larger"), std::string::npos);
}

}  // namespace
}  // namespace vigil::seccomp
