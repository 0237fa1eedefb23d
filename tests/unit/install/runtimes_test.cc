// vigil's part of each runtime's configuration, on files in each runtime's real format:
// added once, never twice, taken out leaving the rest as it was.
#include "src/install/runtimes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "src/config/config.h"
#include "src/rules/compiler.h"

namespace vigil::install {
namespace {

const Paths kPaths;

TEST(Docker, AddsTheRuntimeAndKeepsEveryOtherKey) {
  const std::string before =
      R"({"log-driver": "journald", "runtimes": {"crun": {"path": "/usr/bin/crun"}}})";
  std::string error;
  auto after = docker_with(before, kPaths, error);
  ASSERT_TRUE(after) << error;
  auto j = nlohmann::json::parse(*after);
  EXPECT_EQ(j["log-driver"], "journald");
  EXPECT_EQ(j["runtimes"]["crun"]["path"], "/usr/bin/crun");
  EXPECT_EQ(j["runtimes"]["vigil"]["path"], "/usr/local/bin/vigil-runc");
  // Again: the very same text (the user's formatting is never touched twice).
  EXPECT_EQ(docker_with(*after, kPaths, error), after);
  // Out again: the same keys as before.
  auto removed = docker_without(*after);
  ASSERT_TRUE(removed);
  EXPECT_EQ(nlohmann::json::parse(*removed), nlohmann::json::parse(before));
}

TEST(Docker, NoFileAndBadFiles) {
  std::string error;
  auto created = docker_with(std::nullopt, kPaths, error);
  ASSERT_TRUE(created);
  EXPECT_FALSE(docker_without(*created)) << "a file that held only vigil's key goes";
  EXPECT_FALSE(docker_with(std::string("{not json"), kPaths, error));
  EXPECT_NE(error.find("not a JSON object"), std::string::npos);
  EXPECT_FALSE(docker_with(std::string(R"({"runtimes": 3})"), kPaths, error));
}

// Debian 12's /etc/containerd/config.toml (containerd 1.6), as shipped.
const char* kDebianContainerd = R"(version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "/var/lib/containerd/opt"
)";

TEST(Containerd, Version2TableAppendedOnceAndRemovedExactly) {
  std::string error;
  auto after = containerd_with(std::string(kDebianContainerd), 2, kPaths, error);
  ASSERT_TRUE(after) << error;
  EXPECT_NE(after->find(R"([plugins."io.containerd.grpc.v1.cri".containerd.runtimes.vigil])"),
            std::string::npos);
  EXPECT_NE(after->find(R"(BinaryName = "/usr/local/bin/vigil-runc")"), std::string::npos);
  EXPECT_EQ(containerd_with(*after, 2, kPaths, error), after);
  EXPECT_EQ(containerd_without(*after), std::string(kDebianContainerd));
}

TEST(Containerd, Version3ForContainerd2AndNoFile) {
  std::string error;
  auto v3 = containerd_with(std::string("version = 3\n"), 2, kPaths, error);
  ASSERT_TRUE(v3);
  EXPECT_NE(v3->find("plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.vigil"),
            std::string::npos);
  auto fresh = containerd_with(std::nullopt, 3, kPaths, error);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(containerd_config_version(*fresh), 3);
  EXPECT_FALSE(containerd_with(
      std::string(
          "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.vigil]\n"),
      2, kPaths, error))
      << "a vigil runtime of the user's own is left alone";
  EXPECT_FALSE(containerd_with(std::string("version = 1\n"), 2, kPaths, error));
}

// A config as an operator keeps it: comments everywhere, tables containerd and vigil do
// not know, odd spacing, a CRLF line. Every byte of it stays, before and after vigil's block.
const char* kCommentedContainerd =
    "# managed by hand: keep these notes\r\n"
    "version = 2\n"
    "root = \"/var/lib/containerd\"   # the default\n"
    "\n"
    "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
    "  sandbox_image = 'registry.k8s.io/pause:3.9'\n"
    "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]   # runc, as shipped\n"
    "    runtime_type = \"io.containerd.runc.v2\"\n"
    "\n"
    "[plugins.\"io.example.unknown.v1\"]\n"
    "  weird_key   =   [ 1, 2,\n"
    "    3 ]  # a comment inside an array\n"
    "[[tenants]]\n"
    "  name = \"a\"\n"
    "# the last line is a comment with no newline";

TEST(Containerd, CommentsAndUnknownTablesAreKeptByteForByte) {
  std::string error;
  const std::string original = kCommentedContainerd;
  auto after = containerd_with(original, 2, kPaths, error);
  ASSERT_TRUE(after) << error;
  EXPECT_EQ(after->substr(0, original.size()), original) << "everything before vigil's block";
  EXPECT_NE(after->find("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.vigil]"),
            std::string::npos);
  // What containerd would read: the user's runtime and vigil's, side by side.
  EXPECT_EQ(containerd_config_version(*after), 2);
  auto back = containerd_without(*after);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, original + "\n") << "only vigil's block (and the newline it needed) goes";
}

TEST(Containerd, AFileThatIsNotTomlIsLeftAloneWithWhere) {
  std::string error;
  EXPECT_FALSE(containerd_with(std::string("version = 2\n[plugins\nx = 1\n"), 2, kPaths, error));
  EXPECT_NE(error.find("not valid TOML (line 2"), std::string::npos) << error;
}

TEST(Containerd, AVigilRuntimeOfTheUsersOwnIsFoundInAnyTomlForm) {
  std::string error;
  // Dotted keys under the runtimes table, not a [..runtimes.vigil] header.
  EXPECT_FALSE(containerd_with(
      std::string("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes]\n"
                  "vigil.runtime_type = \"io.containerd.runc.v2\"\n"),
      2, kPaths, error));
  EXPECT_NE(error.find("already defines a runtime named vigil"), std::string::npos) << error;
  // A header in a comment is not a definition.
  EXPECT_TRUE(containerd_with(
      std::string(
          "version = 2\n# [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.vigil]\n"),
      2, kPaths, error))
      << error;
}

TEST(Containerd, ATableThatCannotBeExtendedIsRefusedNotBroken) {
  std::string error;
  // The runtimes as an inline table: appending a [..runtimes.vigil] table would make a file
  // containerd cannot load.
  EXPECT_FALSE(containerd_with(
      std::string("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
                  "runtimes = { runc = { runtime_type = \"io.containerd.runc.v2\" } }\n"),
      2, kPaths, error));
  EXPECT_NE(error.find("cannot be added to it as TOML"), std::string::npos) << error;
}

TEST(Containerd, ADropInWhereTheConfigImportsAFolder) {
  EXPECT_EQ(containerd_dropin_dir("version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n"),
            "/etc/containerd/conf.d");
  EXPECT_EQ(containerd_dropin_dir(
                "version = 3\n  imports = ['/etc/containerd/conf.d/*.toml', '/x.toml']\n"),
            "/etc/containerd/conf.d");
  EXPECT_EQ(containerd_dropin_dir(kDebianContainerd), "");
  EXPECT_EQ(containerd_dropin_dir("imports = [\"/etc/containerd/one.toml\"]\n"), "")
      << "a single file is not a folder of drop-ins";
}

TEST(Podman, HooksDirAsContainersConfResolvesIt) {
  // Debian 12's /usr/share/containers/containers.conf has it commented out: the default.
  EXPECT_EQ(hooks_dirs({"[engine]\n#hooks_dir = [\n#  \"/etc/x\",\n#]\n"}),
            std::vector<std::string>{"/usr/share/containers/oci/hooks.d"});
  // Set in /etc/containers/containers.conf over several lines; a later file wins.
  EXPECT_EQ(hooks_dirs({"[engine]\nhooks_dir = [\n  \"/etc/containers/oci/hooks.d\",  # here\n"
                        "  '/opt/hooks',\n]\n"}),
            (std::vector<std::string>{"/etc/containers/oci/hooks.d", "/opt/hooks"}));
  EXPECT_EQ(hooks_dirs({"[engine]\nhooks_dir = [\"/a\"]\n", "[engine]\nhooks_dir=[\"/b\"]\n"}),
            std::vector<std::string>{"/b"});
  // Only the [engine] table's key counts.
  EXPECT_EQ(hooks_dirs({"[containers]\nhooks_dir = [\"/wrong\"]\n"}),
            std::vector<std::string>{"/usr/share/containers/oci/hooks.d"});
  // A file that is not TOML sets nothing (Podman refuses it too); the others still count.
  EXPECT_EQ(hooks_dirs({"[engine]\nhooks_dir = [\"/a\"]\n", "[engine\nhooks_dir = [\"/b\"]\n"}),
            std::vector<std::string>{"/a"});
}

TEST(Hooks, FilesRunTheInstalledBinaryWithTheInstalledConfig) {
  auto j = nlohmann::json::parse(hook_json("precreate", kPaths));
  EXPECT_EQ(j["hook"]["path"], "/usr/local/bin/vigil-runc");
  EXPECT_EQ(j["hook"]["args"],
            nlohmann::json({"vigil-runc", "hook", "precreate", "-c", "/etc/vigil/vigil.yaml"}));
  EXPECT_EQ(j["stages"], nlohmann::json({"precreate"}));
  EXPECT_NE(crio_dropin(kPaths).find("[crio.runtime.runtimes.vigil]"), std::string::npos);
}

// The installed config and rules load as the daemon loads them, with absolute paths.
TEST(Defaults, InstalledConfigAndRulesLoad) {
  char tmpl[] = "/tmp/vigil-install-test.XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  Paths p;
  p.rules_dir = dir + "/rules.d";
  std::filesystem::create_directories(p.rules_dir);
  std::ofstream(dir + "/vigil.yaml") << installed_config(p);
  std::ofstream(p.rules_dir + "/vigil_rules.yaml") << default_rules();
  rules::Diagnostics d;
  auto cfg = config::load_config(dir + "/vigil.yaml", d);
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->rules_files, std::vector<std::string>{p.rules_dir});
  auto loaded = rules::load_and_compile(cfg->rules_files, {});
  EXPECT_FALSE(loaded.diagnostics.has_errors());
  EXPECT_GT(loaded.rules->rules().size(), 10u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::install
