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

}  // namespace
}  // namespace vigil::rules
