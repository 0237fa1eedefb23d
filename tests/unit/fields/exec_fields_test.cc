// proc.env of real execve calls under a NOTIFY filter: the new program's environment (its
// envp), not the caller's.
#include <gtest/gtest.h>

#include "tests/unit/testing/load.h"
#include "tests/unit/testing/real_events.h"

namespace vigil::rules {
namespace {

TEST(ExecFields, ProcEnvOfAnExecveIsTheNewEnvironment) {
  auto r = testing::load_yaml(R"(
- rule: Tunables
  desc: Falco's incubating glibc_tunables_env
  condition: evt.type = execve and proc.env icontains GLIBC_TUNABLES
  output: "env=%proc.env name=%proc.name"
  priority: warning
)");
  ASSERT_EQ(testing::errors(r), "");
  auto real = testing::capture_syscalls(
      {"execve"}, r.rules->fields_read(),
      "OUTER=1 /usr/bin/env -i GLIBC_TUNABLES=glibc.malloc.x=1 FOO=bar /bin/true; /bin/true");
  ASSERT_EQ(real.error, "");
  std::vector<std::string> lines;
  for (auto& e : real.events) {
    uint32_t out[2];
    if (r.rules->evaluate(e, out, 2)) lines.push_back(r.rules->format_output(out[0], e));
  }
  // env's own exec carries OUTER=1 and the shell's environment, not the tunable; the
  // program env runs gets exactly what env -i gave it.
  EXPECT_EQ(lines,
            std::vector<std::string>{"env=GLIBC_TUNABLES=glibc.malloc.x=1 FOO=bar name=true"});
}

TEST(ExecFields, ManyAndLongArgumentsAndVariablesAreReadWhole) {
  // More strings than one batch read (64), strings longer than a batch's head (128 bytes),
  // and the last ones at the very top of the caller's stack, where a head runs into
  // unmapped memory.
  auto r = testing::load_yaml(R"(
- rule: All
  desc: every execve of true
  condition: evt.type = execve and proc.name = true
  output: "env=%proc.env cmd=%proc.cmdline"
  priority: warning
)");
  ASSERT_EQ(testing::errors(r), "");
  std::string vars, args, want_env, want_args;
  for (int i = 0; i < 70; ++i) {
    vars += " V" + std::to_string(i) + "=" + std::to_string(i * 7);
    args += " a" + std::to_string(i);
  }
  const std::string long_value(300, 'x');
  vars += " LONG=" + long_value;
  args += " " + long_value;
  auto real = testing::capture_syscalls({"execve"}, r.rules->fields_read(),
                                        "/usr/bin/env -i" + vars + " /bin/true" + args);
  ASSERT_EQ(real.error, "");
  std::vector<std::string> lines;
  for (auto& e : real.events) {
    uint32_t out[2];
    if (r.rules->evaluate(e, out, 2)) lines.push_back(r.rules->format_output(out[0], e));
  }
  EXPECT_EQ(lines, std::vector<std::string>{"env=" + vars.substr(1) + " cmd=true" + args});
}

}  // namespace
}  // namespace vigil::rules
