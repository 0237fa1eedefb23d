// fd.linked_below's walk on a scratch tree standing in for a container's root.
#include "src/proc/link_search.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vigil::proc {
namespace {

namespace fs = std::filesystem;

class LinkSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/link_search_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directories(root_ / "etc/deep/er");
    fs::create_directories(root_ / "tmp");
    std::ofstream(root_ / "etc/passwd") << "root:x:0:0::/root:/bin/sh\n";
    std::ofstream(root_ / "etc/deep/er/conf") << "x\n";
    std::ofstream(root_ / "tmp/alone") << "y\n";
    root_fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(root_fd_, 0);
  }
  void TearDown() override {
    ::close(root_fd_);
    fs::remove_all(root_);
  }
  struct stat stat_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st;
  }
  proc::LinkSearch search(const fs::path& file, const char* dir, size_t max = 100000) {
    const struct stat st = stat_of(file);
    return proc::find_link_below(root_fd_, dir, st.st_dev, st.st_ino, max);
  }
  fs::path root_;
  int root_fd_ = -1;
};

TEST_F(LinkSearchTest, FindsASystemFileThroughItsOtherName) {
  fs::create_hard_link(root_ / "etc/passwd", root_ / "tmp/p");
  EXPECT_EQ(search(root_ / "tmp/p", "/etc"), proc::LinkSearch::kFound);
  fs::create_hard_link(root_ / "etc/deep/er/conf", root_ / "tmp/c");
  EXPECT_EQ(search(root_ / "tmp/c", "/etc"), proc::LinkSearch::kFound) << "found in subfolders";
  EXPECT_EQ(search(root_ / "tmp/c", "/tmp"), proc::LinkSearch::kFound);
}

TEST_F(LinkSearchTest, AFileWithNoNameThereIsNotFound) {
  EXPECT_EQ(search(root_ / "tmp/alone", "/etc"), proc::LinkSearch::kNotFound);
  fs::create_hard_link(root_ / "tmp/alone", root_ / "tmp/alone2");
  EXPECT_EQ(search(root_ / "tmp/alone", "/etc"), proc::LinkSearch::kNotFound);
}

TEST_F(LinkSearchTest, SymlinksAreNotFollowedAndCannotLeaveTheRoot) {
  // A symlink below /etc to the file is not a link of it (opening it is judged by the
  // file's own path), and the directory itself resolves inside the root.
  fs::create_symlink("/tmp/alone", root_ / "etc/alias");
  EXPECT_EQ(search(root_ / "tmp/alone", "/etc"), proc::LinkSearch::kNotFound);
  fs::create_directory_symlink("../../../../../../tmp", root_ / "escape");
  EXPECT_EQ(search(root_ / "tmp/alone", "/escape"), proc::LinkSearch::kFound)
      << "/escape resolves to the root's own /tmp";
}

TEST_F(LinkSearchTest, AWalkThatCannotFinishIsUnknown) {
  fs::create_hard_link(root_ / "etc/deep/er/conf", root_ / "tmp/c");
  EXPECT_EQ(search(root_ / "tmp/c", "/etc", /*max=*/2), proc::LinkSearch::kUnknown);
  EXPECT_EQ(search(root_ / "tmp/c", "/no/such/dir"), proc::LinkSearch::kNotFound)
      << "an image without /sbin has no link there";
  EXPECT_EQ(search(root_ / "tmp/c", "/etc/passwd"), proc::LinkSearch::kNotFound) << "not a folder";
  fs::path deep = root_ / "etc";
  for (size_t i = 0; i <= kMaxDepth + 1; ++i) deep /= "d";
  fs::create_directories(deep);
  EXPECT_EQ(search(root_ / "tmp/alone", "/etc"), proc::LinkSearch::kUnknown);
}

}  // namespace
}  // namespace vigil::proc
