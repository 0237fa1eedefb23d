// Injection's edits of the OCI config that do not need a daemon.
#include "src/runtime/inject.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace vigil::runtime {
namespace {

TEST(Inject, ReadonlyPathsAreAddedUnlessAFolderIsAlreadyReadOnly) {
  nlohmann::json oci = {{"linux", {{"readonlyPaths", {"/proc/bus", "/proc/sysrq-trigger"}}}}};
  add_readonly_paths(oci, {"/proc/sys/kernel/core_pattern", "/proc/bus/pci"});
  EXPECT_EQ(oci["linux"]["readonlyPaths"],
            nlohmann::json({"/proc/bus", "/proc/sysrq-trigger", "/proc/sys/kernel/core_pattern"}));
  nlohmann::json covered = {{"linux", {{"readonlyPaths", {"/proc/sys"}}}}};
  add_readonly_paths(covered, {"/proc/sys/kernel/core_pattern"});
  EXPECT_EQ(covered["linux"]["readonlyPaths"], nlohmann::json({"/proc/sys"}));
  nlohmann::json bare = nlohmann::json::object();  // a privileged container's config
  add_readonly_paths(bare, {"/proc/sys/kernel/core_pattern"});
  EXPECT_EQ(bare["linux"]["readonlyPaths"], nlohmann::json({"/proc/sys/kernel/core_pattern"}));
  nlohmann::json prefix_only = {{"linux", {{"readonlyPaths", {"/proc/sy"}}}}};
  add_readonly_paths(prefix_only, {"/proc/sys/kernel/core_pattern"});
  EXPECT_EQ(prefix_only["linux"]["readonlyPaths"].size(), 2u) << "/proc/sy is not a folder of it";
}

class SealedFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-sealed-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    rootfs_ = tmpl;
    std::filesystem::create_directories(rootfs_ + "/etc");
  }
  void TearDown() override { std::filesystem::remove_all(rootfs_); }
  nlohmann::json seal(nlohmann::json oci, const std::string& rootfs) {
    warnings_.clear();
    add_sealed_files(oci, {"/etc/ld.so.preload"}, rootfs, warnings_);
    return oci;
  }
  std::string rootfs_;
  std::vector<std::string> warnings_;
};

TEST_F(SealedFiles, AMissingFileGetsAnEmptyReadOnlyOne) {
  const auto oci = seal({{"mounts", {{{"destination", "/proc"}, {"type", "proc"}}}}}, rootfs_);
  ASSERT_EQ(oci["mounts"].size(), 2u);
  EXPECT_EQ(oci["mounts"][1], nlohmann::json({{"destination", "/etc/ld.so.preload"},
                                              {"type", "bind"},
                                              {"source", "/dev/null"},
                                              {"options", {"bind", "ro"}}}));
  EXPECT_FALSE(oci.contains("linux"));
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(SealedFiles, TheImagesOwnFileIsMadeReadOnly) {
  std::ofstream(rootfs_ + "/etc/ld.so.preload") << "/usr/lib/libfaketime.so\n";
  const auto oci = seal(nlohmann::json::object(), rootfs_);
  EXPECT_EQ(oci["linux"]["readonlyPaths"], nlohmann::json({"/etc/ld.so.preload"}));
  EXPECT_TRUE(oci["mounts"].empty());
}

TEST_F(SealedFiles, LookedUpInsideTheRootFileSystem) {
  // An image whose /etc is a symlink out of it: the host's /etc is not what is looked at.
  std::filesystem::remove_all(rootfs_ + "/etc");
  std::filesystem::create_directory_symlink("/etc", rootfs_ + "/etc");
  auto oci = seal(nlohmann::json::object(), rootfs_);
  EXPECT_TRUE(oci["mounts"].empty()) << "no /etc folder inside: nothing reads it there";
  EXPECT_FALSE(oci.contains("linux"));
  std::filesystem::remove(rootfs_ + "/etc");
  oci = seal(nlohmann::json::object(), rootfs_);
  EXPECT_TRUE(oci["mounts"].empty()) << "an image without /etc";
}

TEST_F(SealedFiles, AVolumeOrAnUnknownRootIsOnlyMadeReadOnlyWithAWarning) {
  auto oci = seal({{"mounts", {{{"destination", "/etc"}, {"type", "bind"}}}}}, rootfs_);
  EXPECT_EQ(oci["mounts"].size(), 1u) << "no file made in the volume";
  EXPECT_EQ(oci["linux"]["readonlyPaths"], nlohmann::json({"/etc/ld.so.preload"}));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("a mount of the config holds /etc"), std::string::npos);
  oci = seal({{"mounts", {{{"destination", "/etc/ld.so.preload"}, {"type", "bind"}}}}}, rootfs_);
  EXPECT_EQ(oci["mounts"].size(), 1u);
  EXPECT_FALSE(oci.contains("linux")) << "a file mounted by the config is left as it is";
  oci = seal(nlohmann::json::object(), rootfs_ + "/no-such-root");
  EXPECT_EQ(oci["linux"]["readonlyPaths"], nlohmann::json({"/etc/ld.so.preload"}));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("cannot be opened"), std::string::npos);
}

}  // namespace
}  // namespace vigil::runtime
