// What installing into another root needs beyond files: the libraries a binary brings, the
// check that it runs there, and the runtime restart through the node's systemd.
#include "src/install/node.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vigil::install {
namespace {
namespace fs = std::filesystem;

std::string temp_dir() {
  char dir[] = "/tmp/vigil-node-XXXXXX";
  return ::mkdtemp(dir);
}

TEST(Node, BringsItsLibrariesButNotTheCLibrary) {
  const auto libs = bundled_libraries();
  bool stdcxx = false;
  for (const auto& l : libs) {
    const std::string name = fs::path(l).filename();
    EXPECT_TRUE(fs::exists(l)) << l;
    EXPECT_EQ(l[0], '/') << l;
    EXPECT_NE(name.rfind("libc.so", 0), 0u) << l;
    EXPECT_NE(name.rfind("ld-linux", 0), 0u) << l;
    EXPECT_NE(name.rfind("libm.so", 0), 0u) << l;
    stdcxx = stdcxx || name.rfind("libstdc++", 0) == 0;
  }
  EXPECT_TRUE(stdcxx) << "a C++ program runs with libstdc++, which a node may lack";
}

TEST(Node, ChecksTheBinaryRunsThere) {
  const char* vigil = std::getenv("VIGIL");
  ASSERT_NE(vigil, nullptr);
  EXPECT_EQ(check_runs_in("/", fs::absolute(vigil)), "");
  const std::string dir = temp_dir();
  std::ofstream(dir + "/broken") << "#!/bin/sh\necho 'version `GLIBC_2.99` not found'\nexit 1\n";
  ::chmod((dir + "/broken").c_str(), 0755);
  const std::string why = check_runs_in("/", dir + "/broken");
  EXPECT_NE(why.find("exit status 1"), std::string::npos) << why;
  EXPECT_NE(why.find("GLIBC_2.99"), std::string::npos) << why;
  EXPECT_NE(check_runs_in(dir + "/no-such-root", "/bin/true"), "");
  fs::remove_all(dir);
}

TEST(Node, RestartsOnlyThroughTheNodesOwnSystemd) {
  const std::string dir = temp_dir();
  std::string why;
  EXPECT_FALSE(restart_unit(dir, "restart", "containerd", why));
  EXPECT_NE(why.find("no systemd"), std::string::npos) << why;
  // A root that has systemd but is not PID 1's: never a systemctl of another machine.
  fs::create_directories(dir + "/run/systemd/system");
  why.clear();
  EXPECT_FALSE(restart_unit(dir, "reload", "docker", why));
  EXPECT_NE(why.find("not the node's init"), std::string::npos) << why;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil::install
