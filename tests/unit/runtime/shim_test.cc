// The shim finds runc's subcommand and bundle the way runc's CLI does.
#include "src/runtime/shim.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace vigil::runtime {
namespace {

TEST(Shim, FindsSubcommandAndBundleAfterGlobalOptions) {
  // containerd-shim-runc-v2's create call.
  auto c = parse_runtime_args({"--root", "/run/containerd/runc/default", "--log", "/x/log.json",
                               "--log-format", "json", "--systemd-cgroup", "create", "--bundle",
                               "/b/ctr1", "--pid-file", "/b/init.pid", "ctr1"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->subcommand, "create");
  EXPECT_EQ(c->bundle, "/b/ctr1");
  auto d = parse_runtime_args({"--root=/r", "run", "-b", "/b2", "id"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->subcommand, "run");
  EXPECT_EQ(d->bundle, "/b2");
  auto e = parse_runtime_args({"create", "--bundle=/b3", "id"});
  EXPECT_EQ(e->bundle, "/b3");
}

TEST(Shim, BundleDefaultsToTheWorkingDirectory) {
  char cwd[4096];
  ASSERT_TRUE(getcwd(cwd, sizeof(cwd)));
  auto c = parse_runtime_args({"create", "id"});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->bundle, cwd);
  auto s = parse_runtime_args({"state", "id"});
  EXPECT_EQ(s->subcommand, "state");
  EXPECT_FALSE(parse_runtime_args({"--debug"}));
}

}  // namespace
}  // namespace vigil::runtime
