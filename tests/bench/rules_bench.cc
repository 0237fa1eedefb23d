// Compiled-rule evaluations per second for Falco's stable ruleset, on synthetic events of
// each event type the ruleset intercepts. The events answer fields from precomputed values
// (as the real sources do after their first, cached extraction), so this measures the rule
// program: index lookup, checks, short-circuiting. The last case evaluates events captured
// from a real shell session (tests/unit/testing/real_events.h): real paths, command lines
// and ancestries, in the proportions a real workload makes them.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/fields/registry.h"
#include "src/rules/compiler.h"
#include "tests/unit/testing/real_events.h"
#include "tests/unit/testing/synthetic_event.h"

namespace {

using namespace vigil;
using testing::SyntheticEvent;

const char* rules_path() {
  const char* p = std::getenv("VIGIL_BENCH_RULES");
  return p ? p : "external/shared/compat/falco_rules.yaml";
}

void common(SyntheticEvent& e) {
  e.set("proc.name", "python3")
      .set("proc.exe", "/usr/bin/python3")
      .set("proc.exepath", "/usr/bin/python3")
      .set("proc.cmdline", "python3 /app/server.py")
      .set("proc.args", "/app/server.py")
      .set("proc.pname", "gunicorn")
      .set("proc.pexe", "/usr/local/bin/gunicorn")
      .set("proc.pcmdline", "gunicorn app:app")
      .set_list("proc.aname", {"python3", "gunicorn", "sh", "containerd-shim"})
      .set("proc.cwd", "/app/")
      .set_int("proc.tty", 0)
      .set_int("proc.pid", 4242)
      .set_int("proc.duration", 60'000'000'000)
      .set("user.name", "app")
      .set_int("user.uid", 1000)
      .set_int("user.loginuid", -1)
      .set("container.id", "3ad7b26ded6d")
      .set("container.image.repository", "docker.io/library/python")
      .set_bool("container.privileged", false)
      .set("thread.cap_effective", "")
      .set_int("evt.num", 1234)
      .set("evt.res", "SUCCESS")
      .set_int("evt.rawres", 0);
}

// An openat of DIR/FILE, read-only unless FLAGS say O_WRONLY. Falco's open rules bind to
// fanotify opens (the file and the flags are race-free there); rules that need what only
// seccomp supplies (the raw flags, the path as passed) stay on the syscall channel.
SyntheticEvent open_event(const std::string& dir, const std::string& file, const std::string& flags,
                          Channel channel = Channel::kFileOpen) {
  SyntheticEvent e("openat", channel);
  common(e);
  const bool write = flags.rfind("O_WRONLY", 0) == 0;
  e.set("fd.name", dir + "/" + file)
      .set("fd.nameraw", dir + "/" + file)
      .set("fd.directory", dir)
      .set("fd.filename", file)
      .set("fd.typechar", "f")
      .set_int("fd.num", 0)
      .set_bool("evt.is_open_read", !write)
      .set_bool("evt.is_open_write", write)
      .set("evt.arg.flags", flags);
  return e;
}

struct Case {
  std::string label;
  std::function<SyntheticEvent()> make;
};

std::vector<Case> cases() {
  return {
      {"openat read /etc/passwd (fanotify open)",
       [] { return open_event("/etc", "passwd", "O_RDONLY|O_CLOEXEC"); }},
      {"openat read /etc/shadow, matches (fanotify open)",
       [] { return open_event("/etc", "shadow", "O_RDONLY"); }},
      {"openat write /var/log/app.log (fanotify open)",
       [] { return open_event("/var/log", "app.log", "O_WRONLY|O_APPEND"); }},
      {"openat write /var/log/app.log (syscall)",
       [] { return open_event("/var/log", "app.log", "O_WRONLY|O_APPEND", Channel::kSyscall); }},
      {"execve sh -c (syscall)",
       [] {
         SyntheticEvent e("execve", Channel::kSyscall);
         common(e);
         e.set("proc.name", "sh")
             .set("proc.exe", "/bin/sh")
             .set("proc.exepath", "/bin/sh")
             .set("proc.cmdline", "sh -c ls /tmp")
             .set("proc.args", "-c ls /tmp")
             .set("evt.arg.flags", "")
             .set_bool("proc.is_exe_from_memfd", false)
             .set_bool("proc.is_exe_upper_layer", false);
         return e;
       }},
      {"execve grep BEGIN PRIVATE, matches (syscall)",
       [] {
         SyntheticEvent e("execve", Channel::kSyscall);
         common(e);
         e.set("proc.name", "grep")
             .set("proc.exe", "grep")
             .set("proc.exepath", "/bin/grep")
             .set("proc.cmdline", "grep -r BEGIN PRIVATE /")
             .set("proc.args", "-r BEGIN PRIVATE /")
             .set_bool("proc.is_exe_from_memfd", false)
             .set_bool("proc.is_exe_upper_layer", false);
         return e;
       }},
      {"execve from upper layer (fanotify exec)",
       [] {
         SyntheticEvent e("execve", Channel::kFileExec);
         common(e);
         e.set("proc.exepath", "/tmp/x").set_bool("proc.is_exe_upper_layer", true);
         return e;
       }},
      {"ptrace PTRACE_PEEKDATA (syscall)",
       [] {
         SyntheticEvent e("ptrace", Channel::kSyscall);
         common(e);
         e.set("evt.arg.request", "PTRACE_PEEKDATA");
         return e;
       }},
      {"socket AF_INET (syscall)",
       [] {
         SyntheticEvent e("socket", Channel::kSyscall);
         common(e);
         e.set("evt.arg.domain", "AF_INET");
         return e;
       }},
      {"dup2 to fd 1 (syscall)",
       [] {
         SyntheticEvent e("dup2", Channel::kSyscall);
         common(e);
         e.set_int("evt.rawres", 1).set("fd.type", "file");
         return e;
       }},
      {"symlink to /etc/shadow, matches (syscall)",
       [] {
         SyntheticEvent e("symlink", Channel::kSyscall);
         common(e);
         e.set("evt.arg.target", "/etc/shadow").set("evt.arg.linkpath", "/tmp/s");
         return e;
       }},
  };
}

std::shared_ptr<rules::CompiledRuleSet> ruleset() {
  static auto set = [] {
    auto r = rules::load_and_compile({rules_path()}, {RuleMatching::kAll});
    if (r.diagnostics.has_errors() || r.rules->rules().empty()) {
      std::fprintf(stderr, "bench: cannot load %s\n", rules_path());
      std::exit(1);
    }
    return r.rules;
  }();
  return set;
}

void BM_Evaluate(benchmark::State& state, Case c) {
  auto set = ruleset();
  SyntheticEvent e = c.make();
  uint32_t out[64];
  size_t matched = 0;
  for (auto _ : state) {
    size_t n = set->evaluate(e, out, 64);
    benchmark::DoNotOptimize(out);
    matched = n;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.counters["matches"] = double(matched);
}

// All the cases interleaved, as a mixed stream.
void BM_Mixed(benchmark::State& state) {
  auto set = ruleset();
  std::vector<SyntheticEvent> events;
  for (const auto& c : cases()) events.push_back(c.make());
  uint32_t out[64];
  size_t i = 0;
  for (auto _ : state) {
    size_t n = set->evaluate(events[i], out, 64);
    benchmark::DoNotOptimize(n);
    if (++i == events.size()) i = 0;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}

// The syscalls of a real shell session, captured live and replayed as one stream.
void BM_RealStream(benchmark::State& state) {
  auto set = ruleset();
  static auto real =
      testing::capture_syscalls(set->syscalls(), set->fields_read(), testing::everyday_script());
  if (!real.error.empty() || real.events.empty()) {
    state.SkipWithError(("cannot capture real events: " + real.error).c_str());
    return;
  }
  uint32_t out[64];
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    matched += set->evaluate(real.events[i], out, 64);
    benchmark::DoNotOptimize(out);
    if (++i == real.events.size()) i = 0;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
  state.counters["events"] = double(real.events.size());
}

int register_all() {
  for (const auto& c : cases()) {
    benchmark::RegisterBenchmark(("evaluate/" + c.label).c_str(), BM_Evaluate, c);
  }
  benchmark::RegisterBenchmark("evaluate/mixed stream of all the above", BM_Mixed);
  benchmark::RegisterBenchmark("evaluate/real events: a shell session's syscalls, captured",
                               BM_RealStream);
  return 0;
}
const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
