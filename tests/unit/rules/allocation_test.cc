// Evaluation allocates nothing in steady state: after a first (warming) evaluation, running
// Falco's stable rules over events of every kind performs no heap allocation, on synthetic
// events and on events captured from real processes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <new>

#include "src/rules/compiler.h"
#include "tests/unit/testing/fake_event.h"
#include "tests/unit/testing/real_events.h"
#include "tests/unit/testing/synthetic_event.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(n ? n : 1);
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
// Every form that frees what the forms above return (under ASan, a form left out would be
// the sanitizer's own, and a mismatch).
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace vigil::rules {
namespace {

TEST(Allocation, EvaluationAllocatesNothingInSteadyState) {
  auto r = load_and_compile({"external/shared/compat/falco_rules.yaml"}, {RuleMatching::kAll});
  ASSERT_FALSE(r.diagnostics.has_errors());
  // Events are built (and their storage allocated) before counting starts.
  std::vector<testing::SyntheticEvent> events;
  events.emplace_back("openat", Channel::kSyscall);
  events.back()
      .set("fd.name", "/etc/shadow")
      .set("fd.directory", "/etc")
      .set("fd.typechar", "f")
      .set_int("fd.num", 0)
      .set_bool("evt.is_open_read", true)
      .set("proc.name", "python3")
      .set("proc.pname", "bash")
      .set("container.id", "abc")
      .set_list("proc.aname", {"python3", "bash"});
  events.emplace_back("execve", Channel::kSyscall);
  events.back()
      .set("proc.name", "sh")
      .set("proc.pname", "nginx")
      .set("proc.cmdline", "sh -c x")
      .set("proc.args", "-c x")
      .set("proc.pexe", "/usr/bin/java")
      .set("proc.exe", "/bin/sh")
      .set("container.id", "abc")
      .set_list("proc.aname", {"sh", "nginx", "java"})
      .set_int("proc.tty", 0)
      .set("user.name", "www-data");
  events.emplace_back("ptrace", Channel::kSyscall);
  events.back().set("evt.arg.request", "PTRACE_ATTACH").set("proc.name", "gdb");
  events.emplace_back("dup2", Channel::kSyscall);
  events.back().set_int("evt.rawres", 1).set("fd.type", "ipv4").set("container.id", "abc");
  uint32_t out[64];
  size_t matched = 0;
  for (auto& e : events) matched += r.rules->evaluate(e, out, 64);  // warm-up
  const long before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    for (auto& e : events) matched += r.rules->evaluate(e, out, 64);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_GT(matched, 0u) << "the events must exercise matching rules too";
}

// The events a real shell session makes (execs that load libraries, opens, links,
// symlinks, dups), taken by a real seccomp filter and the daemon's own SyscallEvent, then
// frozen: evaluating them reads no /proc and must allocate nothing either.
TEST(Allocation, FalcoRulesOnRealCapturedEventsAllocateNothing) {
  auto r = load_and_compile({"external/shared/compat/falco_rules.yaml"}, {RuleMatching::kAll});
  ASSERT_FALSE(r.diagnostics.has_errors());
  auto real = testing::capture_syscalls(r.rules->syscalls(), r.rules->fields_read(),
                                        testing::everyday_script());
  ASSERT_EQ(real.error, "");
  ASSERT_EQ(real.exit_status, 0);
  std::set<EventTypeId> types;
  for (const auto& e : real.events) types.insert(e.type());
  for (const char* name : {"execve", "openat", "symlinkat", "linkat"}) {
    EXPECT_TRUE(types.count(*fields::find_event_type(name))) << name << " was not captured";
  }
  ASSERT_GT(real.events.size(), 50u);
  uint32_t out[64];
  size_t matched = 0;
  for (auto& e : real.events) matched += r.rules->evaluate(e, out, 64);  // warm-up
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    for (auto& e : real.events) matched += r.rules->evaluate(e, out, 64);
  }
  EXPECT_EQ(g_allocations.load() - before, 0) << "over " << real.events.size() << " events";
  // The hard link from a temporary folder and the shell's runs fire no Falco rule, but
  // the symlink to /etc/shadow does ("Create Symlink Over Sensitive Files").
  EXPECT_GT(matched, 0u) << "the real events must exercise matching rules too";
  std::cout << real.events.size() << " real events of " << types.size() << " types, " << matched
            << " rule matches in 101 passes\n";
}

TEST(Allocation, TransformersReuseTheirBuffers) {
  Collection none;
  Diagnostics d;
  auto c =
      compile_condition("tolower(proc.name) = bash and toupper(fd.name) startswith /ETC", none, d);
  ASSERT_TRUE(c);
  testing::FakeEvent e("openat");
  e.set("proc.name", "BASH").set("fd.name", "/etc/passwd-with-a-long-name-to-defeat-sso");
  EXPECT_TRUE(c->program->eval(e));
  const long before = g_allocations.load();
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(c->program->eval(e));
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace vigil::rules
