// proc.apid, proc.aname and proc.pname on a real process tree: this test, a child, and a
// grandchild the event is about.
#include <signal.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "src/fields/container_info.h"
#include "src/fields/file_event.h"
#include "src/fields/registry.h"

namespace vigil::fields {
namespace {

FieldRef ref(const char* name, int32_t index = -1) {
  auto f = find_field(name);
  EXPECT_TRUE(f) << name;
  return FieldRef{f ? f->id : FieldId{0}, index, {}};
}

class ProcessTree : public ::testing::Test {
 protected:
  void SetUp() override {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    child_ = fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      prctl(PR_SET_NAME, "tree-child");
      const pid_t g = fork();
      if (g == 0) {
        prctl(PR_SET_NAME, "tree-grandchild");
        ssize_t ignored = write(p[1], "x", 1);
        (void)ignored;
        pause();
        _exit(0);
      }
      pause();
      _exit(0);
    }
    char c;
    ASSERT_EQ(read(p[0], &c, 1), 1);
    close(p[0]);
    close(p[1]);
    // The grandchild: the child's only child.
    for (int i = 0; i < 100 && grandchild_ <= 0; ++i) {
      FILE* f = fopen(
          ("/proc/" + std::to_string(child_) + "/task/" + std::to_string(child_) + "/children")
              .c_str(),
          "r");
      if (f) {
        if (fscanf(f, "%d", &grandchild_) != 1) grandchild_ = 0;
        fclose(f);
      }
      if (grandchild_ <= 0) usleep(10000);
    }
    ASSERT_GT(grandchild_, 0);
  }
  void TearDown() override {
    if (grandchild_ > 0) kill(grandchild_, SIGKILL);
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
  }

  FileEvent event_of(pid_t pid) {
    fanotify_event_metadata m{};
    m.mask = FAN_OPEN_PERM;
    m.fd = -1;
    m.pid = pid;
    return FileEvent(m, info_, 1, &path_, true);
  }

  pid_t child_ = -1;
  pid_t grandchild_ = 0;
  ContainerInfo info_;
  std::string path_ = "/x";
};

TEST_F(ProcessTree, AncestorsAreTheRealParents) {
  auto e = event_of(grandchild_);
  EXPECT_EQ(e.field(ref("proc.apid", 0)).num, grandchild_);
  EXPECT_EQ(e.field(ref("proc.apid", 1)).num, child_);
  EXPECT_EQ(e.field(ref("proc.apid", 2)).num, getpid());
  EXPECT_EQ(e.field(ref("proc.ppid")).num, child_);
  EXPECT_EQ(e.field(ref("proc.pname")).str, "tree-child");
  EXPECT_EQ(e.field(ref("proc.aname", 1)).str, "tree-child");
  EXPECT_EQ(e.field(ref("proc.aname", 0)).str, "tree-grandchild");
}

TEST_F(ProcessTree, TheChainEndsAtInitOnce) {
  auto e = event_of(grandchild_);
  int32_t top = -1;
  for (int32_t i = 0; i < 33; ++i) {
    Value v = e.field(ref("proc.apid", i));
    if (v.kind != ValueKind::kInt) break;
    top = i;
  }
  ASSERT_GE(top, 2);
  EXPECT_EQ(e.field(ref("proc.apid", top)).num, 1) << "the last ancestor is init";
  EXPECT_EQ(e.field(ref("proc.apid", top + 1)).kind, ValueKind::kNone) << "nothing past init";
  EXPECT_EQ(e.field(ref("proc.aname", top + 1)).kind, ValueKind::kNone);
  // The list: every ancestor once (the parent first), init last.
  Value list = e.field(ref("proc.aname"));
  ASSERT_EQ(list.kind, ValueKind::kStringList);
  ASSERT_EQ(list.count, size_t(top));
  EXPECT_EQ(list.items[0], "tree-child");
}

TEST_F(ProcessTree, AProcessThatIsGoneHasNoAncestors) {
  kill(grandchild_, SIGKILL);
  kill(child_, SIGKILL);
  waitpid(child_, nullptr, 0);
  child_ = -1;
  // Orphaned, the grandchild is reaped by init, or by this process if it is the reaper.
  const std::string proc = "/proc/" + std::to_string(grandchild_);
  for (int i = 0; i < 300 && access(proc.c_str(), F_OK) == 0; ++i) {
    waitpid(grandchild_, nullptr, WNOHANG);
    usleep(10000);
  }
  ASSERT_NE(access(proc.c_str(), F_OK), 0);
  auto e = event_of(grandchild_);
  grandchild_ = 0;
  EXPECT_EQ(e.field(ref("proc.apid", 1)).kind, ValueKind::kNone);
  EXPECT_EQ(e.field(ref("proc.pname")).kind, ValueKind::kNone);
}

}  // namespace
}  // namespace vigil::fields
