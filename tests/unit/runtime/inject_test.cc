// Injection's edits of the OCI config that do not need a daemon.
#include "src/runtime/inject.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vigil::runtime
