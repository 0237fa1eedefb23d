// /proc parsing helpers, on this test's own process and on synthetic files.
#include "src/fields/proc_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace vigil::fields {
namespace {

TEST(ProcReader, ReadsOwnProcess) {
  auto st = read_status(getpid());
  ASSERT_TRUE(st);
  EXPECT_EQ(st->ppid, getppid());
  EXPECT_EQ(st->euid, geteuid());
  auto stat = read_stat(getpid());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->ppid, getppid());
  EXPECT_GT(stat->start_ticks, 0u);
  EXPECT_FALSE(read_cmdline(getpid()).empty());
  EXPECT_TRUE(read_comm(getpid()));
}

TEST(ProcReader, DeadProcessesAreMissingNotErrors) {
  EXPECT_FALSE(read_status(0x7ffffff0));
  EXPECT_FALSE(read_stat(0x7ffffff0));
  EXPECT_FALSE(read_comm(0x7ffffff0));
  EXPECT_TRUE(read_cmdline(0x7ffffff0).empty());
}

TEST(ProcReader, NamesFromPasswdAndGroupFiles) {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/sh\nbroken line\napp:x:1000:1000::/:/bin/sh\n";
  EXPECT_EQ(lookup_id_name(passwd, 0), "root");
  EXPECT_EQ(lookup_id_name(passwd, 1000), "app");
  EXPECT_FALSE(lookup_id_name(passwd, 5));
  EXPECT_EQ(lookup_id_name("wheel:x:10:root\n", 10), "wheel");
}

TEST(ProcReader, CapabilitiesAndPaths) {
  EXPECT_EQ(capability_names(0), "");
  EXPECT_EQ(capability_names((1ull << 21) | 1), "CAP_CHOWN CAP_SYS_ADMIN");
  EXPECT_EQ(normalize_path("/a/./b/../c//d/"), "/a/c/d");
  EXPECT_EQ(normalize_path("/../.."), "/");
  EXPECT_EQ(normalize_path("/tmp/seen/b"), "/tmp/seen/b");
}

}  // namespace
}  // namespace vigil::fields
