// The field registry and event-type table are consistent with the kernel and with Falco.
#include "src/fields/registry.h"

#include <gtest/gtest.h>
#include <seccomp.h>

#include <set>

#include "src/fields/event_types.h"

namespace vigil::fields {
namespace {

TEST(EventTypes, EverySyscallNameIsARealSyscallOnThisArchitecture) {
  for (const auto& t : event_types()) {
    if (t.syscall.empty()) continue;
    EXPECT_GE(seccomp_syscall_resolve_name(std::string(t.syscall).c_str()), 0) << t.syscall;
  }
}

TEST(EventTypes, WriteIsNeverASeccompEvent) {
  // runc rejects SCMP_ACT_NOTIFY on write (DESIGN.md).
  auto id = find_event_type("write");
  ASSERT_TRUE(id);
  EXPECT_TRUE(event_type(*id).syscall.empty());
  EXPECT_FALSE(event_type_channels(*id) & channel_bit(Channel::kSyscall));
}

TEST(EventTypes, NamesAreUniqueAndFitTheSet) {
  std::set<std::string_view> names;
  for (const auto& t : event_types()) EXPECT_TRUE(names.insert(t.name).second) << t.name;
  EXPECT_LE(event_types().size(), kMaxEventTypes);
}

TEST(Fields, LookupOfKeyedAndPlainFields) {
  auto f = find_field("evt.arg.flags");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->info->name, "evt.arg");
  EXPECT_EQ(f->key, "flags");
  EXPECT_TRUE(find_field("proc.name"));
  EXPECT_FALSE(find_field("proc.nmae"));
  EXPECT_FALSE(find_field("proc.name.x")) << "only fields that take a key accept one";
}

TEST(Fields, SupportedAndUnsupportedAreDisjoint) {
  for (const auto& f : supported_fields()) {
    EXPECT_FALSE(is_known_unsupported(f.name)) << f.name;
    EXPECT_TRUE(has_known_field_class(f.name)) << f.name;
    EXPECT_NE(f.channels, 0) << f.name;
  }
  EXPECT_TRUE(is_known_unsupported("fd.types"));
  EXPECT_TRUE(is_known_unsupported("k8s.pod.label.app"));
}

TEST(Fields, RaceClassification) {
  const auto& openat = event_type(*find_event_type("openat"));
  const auto& openat2 = event_type(*find_event_type("openat2"));
  const auto& execve = event_type(*find_event_type("execve"));
  auto flags = *find_field("evt.arg.flags");
  auto name = *find_field("fd.name");
  auto proc = *find_field("proc.name");
  EXPECT_FALSE(is_racy(*flags.info, flags, Channel::kSyscall, openat, -1));
  EXPECT_TRUE(is_racy(*flags.info, flags, Channel::kSyscall, openat2, -1)) << "struct open_how";
  EXPECT_TRUE(is_racy(*name.info, name, Channel::kSyscall, openat, -1));
  EXPECT_FALSE(is_racy(*name.info, name, Channel::kFileOpen, openat, -1));
  EXPECT_TRUE(is_racy(*proc.info, proc, Channel::kSyscall, execve, -1));
  EXPECT_FALSE(is_racy(*proc.info, proc, Channel::kSyscall, openat, -1));
  // An argument the event type does not have is always missing: not racy.
  const auto& setns = event_type(*find_event_type("setns"));
  EXPECT_FALSE(is_racy(*flags.info, flags, Channel::kSyscall, setns, -1));
}

// Positions the extractors read instead of names, derived once per event type.
TEST(EventTypes, ArgLayoutsAreDerivedFromTheArgumentNames) {
  auto layout = [](const char* name) { return event_type(*find_event_type(name)).layout; };
  auto render = [](const char* name, size_t arg) {
    return event_type(*find_event_type(name)).args.at(arg).render;
  };
  EXPECT_EQ(layout("openat").path, 1);
  EXPECT_EQ(layout("openat").dirfd, 0);
  EXPECT_EQ(layout("openat").flags, 2);
  EXPECT_EQ(layout("open").dirfd, -1);
  EXPECT_EQ(layout("openat2").flags, -1) << "struct open_how is in memory";
  EXPECT_EQ(layout("execve").exec_filename, 0);
  EXPECT_EQ(layout("execve").exec_argv, 1);
  EXPECT_EQ(layout("execveat").exec_filename, 1);
  EXPECT_EQ(layout("execveat").exec_argv, 2);
  EXPECT_EQ(layout("execveat").dirfd, 0);
  EXPECT_EQ(layout("renameat2").path, 1);
  EXPECT_EQ(layout("renameat2").dirfd, 0);
  EXPECT_EQ(layout("renameat2").target, 3);
  EXPECT_EQ(layout("renameat2").target_dirfd, 2);
  EXPECT_TRUE(layout("symlinkat").symlink);
  EXPECT_EQ(layout("symlinkat").target, 2);
  EXPECT_EQ(layout("symlinkat").target_dirfd, 1);
  EXPECT_FALSE(layout("linkat").symlink);
  EXPECT_EQ(layout("dup2").file_fd, 0);
  EXPECT_EQ(render("openat", 2), ArgRender::kOpenFlags);
  EXPECT_EQ(render("openat", 0), ArgRender::kInt);
  EXPECT_EQ(render("openat", 3), ArgRender::kOctal);
  EXPECT_EQ(render("execveat", 4), ArgRender::kAtFlags);
  EXPECT_EQ(render("ptrace", 0), ArgRender::kPtraceRequest);
  EXPECT_EQ(render("socket", 0), ArgRender::kSocketDomain);
  EXPECT_EQ(render("setns", 1), ArgRender::kCloneFlags);
}

}  // namespace
}  // namespace vigil::fields
