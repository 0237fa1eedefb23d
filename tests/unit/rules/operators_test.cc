// Every operator and transformer of the condition language, evaluated on fake events,
// with Falco's semantics for missing values and multi-valued fields.
#include <gtest/gtest.h>

#include "src/rules/compiler.h"
#include "tests/unit/testing/fake_event.h"

namespace vigil::rules {
namespace {

using testing::FakeEvent;

// Compiles `cond` (no lists or macros) and evaluates it on `e`; fails the test on errors.
bool eval(const std::string& cond, FakeEvent& e) {
  Collection none;
  Diagnostics d;
  auto r = compile_condition(cond, none, d);
  for (const auto& diag : d.all()) ADD_FAILURE() << format_diagnostic(diag);
  if (!r || !r->program) {
    ADD_FAILURE() << "did not compile: " << cond;
    return false;
  }
  return r->program->eval(e);
}

std::string error_of(const std::string& cond) {
  Collection none;
  Diagnostics d;
  compile_condition(cond, none, d);
  return d.all().empty() ? "" : d.all()[0].message;
}

FakeEvent open_event() {
  FakeEvent e("openat");
  e.set("fd.name", "/etc/shadow")
      .set("proc.name", "Cat")
      .set_int("proc.pid", 42)
      .set("evt.arg.flags", "O_RDONLY|O_CLOEXEC")
      .set("fd.sip", "10.1.2.3")
      .set_bool("evt.is_open_read", true)
      .set_list("proc.aname", {"cat", "bash", "sshd"})
      .set("proc.aname[1]", "bash")
      .set("proc.args", "-c L2V0Yy9zaGFkb3c=");
  return e;
}

TEST(Operators, EqualityOnStringsNumbersAndBools) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name = /etc/shadow", e));
  EXPECT_TRUE(eval("fd.name == \"/etc/shadow\"", e));
  EXPECT_FALSE(eval("fd.name = /etc/passwd", e));
  EXPECT_TRUE(eval("fd.name != /etc/passwd", e));
  EXPECT_TRUE(eval("proc.pid = 42", e));
  EXPECT_TRUE(eval("proc.pid = 0x2a", e));
  EXPECT_TRUE(eval("proc.pid != 41", e));
  EXPECT_TRUE(eval("evt.is_open_read = true", e));
  EXPECT_FALSE(eval("evt.is_open_read = false", e));
}

TEST(Operators, NumericComparisons) {
  auto e = open_event();
  EXPECT_TRUE(eval("proc.pid < 43", e));
  EXPECT_FALSE(eval("proc.pid < 42", e));
  EXPECT_TRUE(eval("proc.pid <= 42", e));
  EXPECT_TRUE(eval("proc.pid > 41", e));
  EXPECT_FALSE(eval("proc.pid > 42", e));
  EXPECT_TRUE(eval("proc.pid >= 42", e));
  EXPECT_TRUE(eval("proc.pid >= -1", e));
}

TEST(Operators, SubstringAndPrefixOperators) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name contains shad", e));
  EXPECT_FALSE(eval("fd.name contains SHAD", e));
  EXPECT_TRUE(eval("fd.name icontains SHAD", e));
  EXPECT_TRUE(eval("fd.name startswith /etc/", e));
  EXPECT_FALSE(eval("fd.name startswith /usr", e));
  EXPECT_TRUE(eval("fd.name endswith shadow", e));
  EXPECT_FALSE(eval("fd.name endswith /etc", e));
  EXPECT_TRUE(eval("evt.arg.flags contains O_RDONLY", e));
}

TEST(Operators, ByteOperatorsTakeHex) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name bcontains 736861", e));       // "sha"
  EXPECT_TRUE(eval("fd.name bstartswith 2f657463", e));   // "/etc"
  EXPECT_FALSE(eval("fd.name bstartswith 2f757372", e));  // "/usr"
  EXPECT_NE(error_of("fd.name bcontains xyz"), "");
}

TEST(Operators, GlobAndIglob) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name glob '/etc/*'", e));
  EXPECT_TRUE(eval("fd.name glob '/e?c/sha[a-z]ow'", e));
  EXPECT_FALSE(eval("fd.name glob '/usr/*'", e));
  EXPECT_FALSE(eval("fd.name glob '/ETC/*'", e));
  EXPECT_TRUE(eval("fd.name iglob '/ETC/*'", e));
  EXPECT_TRUE(eval("fd.name glob '*'", e));
  EXPECT_TRUE(eval("fd.name glob '/etc/[!x]hadow'", e));
  // fnmatch(3) without FNM_PATHNAME, as Falco: '*' and '?' cross '/'.
  EXPECT_TRUE(eval("fd.name glob '/*shadow'", e));
  EXPECT_TRUE(eval("fd.name glob '/etc?shadow'", e));
  EXPECT_TRUE(eval("fd.name iglob '/ETC/SHA[A-Z]OW'", e));
}

TEST(Operators, RegexMatchesTheWholeString) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name regex '/etc/sh.*'", e));
  EXPECT_FALSE(eval("fd.name regex 'shadow'", e)) << "a partial match is not a match";
  EXPECT_TRUE(eval("fd.name regex '.*shadow'", e));
  EXPECT_NE(error_of("fd.name regex '('"), "");
}

TEST(Operators, InIntersectsAndPmatch) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name in (/etc/passwd, /etc/shadow)", e));
  EXPECT_FALSE(eval("fd.name in (/etc/passwd)", e));
  EXPECT_FALSE(eval("fd.name in ()", e));
  EXPECT_TRUE(eval("proc.pid in (1, 42, 7)", e));
  EXPECT_TRUE(eval("proc.aname intersects (sshd, nginx)", e));
  EXPECT_FALSE(eval("proc.aname intersects (nginx)", e));
  EXPECT_TRUE(eval("fd.name pmatch (/etc)", e));
  EXPECT_TRUE(eval("fd.name pmatch (/usr, /etc/)", e));
  EXPECT_FALSE(eval("fd.name pmatch (/et)", e)) << "pmatch matches whole path components";
  EXPECT_TRUE(eval("fd.name pmatch (/etc/shadow)", e));
}

TEST(Operators, ExistsAndMissingValues) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.name exists", e));
  EXPECT_FALSE(eval("proc.cwd exists", e));
  // Falco: a check on a value the event cannot supply is false, even with !=.
  EXPECT_FALSE(eval("proc.cwd = /", e));
  EXPECT_FALSE(eval("proc.cwd != /", e));
  EXPECT_TRUE(eval("not proc.cwd = /", e));
}

TEST(Operators, IpAddressesAndNetworks) {
  auto e = open_event();
  EXPECT_TRUE(eval("fd.sip = 10.1.2.3", e));
  EXPECT_TRUE(eval("fd.sip = \"10.0.0.0/8\"", e));
  EXPECT_FALSE(eval("fd.sip = \"192.168.0.0/16\"", e));
  EXPECT_TRUE(eval("fd.sip in (\"192.168.0.0/16\", \"10.0.0.0/8\")", e));
  EXPECT_TRUE(eval("fd.sip != 10.1.2.4", e));
  EXPECT_NE(error_of("fd.sip = notanip"), "");
}

TEST(Operators, MultiValuedFieldsMatchIfAnyValueDoes) {
  auto e = open_event();
  EXPECT_TRUE(eval("proc.aname = sshd", e));
  EXPECT_TRUE(eval("proc.aname in (nginx, bash)", e));
  EXPECT_FALSE(eval("proc.aname = nginx", e));
  EXPECT_TRUE(eval("proc.aname[1] = bash", e));
  EXPECT_FALSE(eval("proc.aname[1] = sshd", e));
  EXPECT_TRUE(eval("proc.aname != nginx", e));
  EXPECT_FALSE(eval("proc.aname != bash", e));
}

TEST(Transformers, ToLowerToUpperBasenameLenB64) {
  auto e = open_event();
  EXPECT_TRUE(eval("tolower(proc.name) = cat", e));
  EXPECT_TRUE(eval("toupper(proc.name) = CAT", e));
  EXPECT_TRUE(eval("basename(fd.name) = shadow", e));
  EXPECT_TRUE(eval("len(fd.name) = 11", e));
  EXPECT_TRUE(eval("len(proc.aname) = 3", e));
  EXPECT_TRUE(eval("len(fd.name) > 10", e));
  e.set("proc.exe", "L2V0Yy9zaGFkb3c=");
  EXPECT_TRUE(eval("b64(proc.exe) = /etc/shadow", e));
  e.set("proc.exe", "L2V0Yy9zaGFkb3c");  // unpadded
  EXPECT_TRUE(eval("b64(proc.exe) = /etc/shadow", e));
  e.set("proc.exe", "Pz8-Pw");  // URL-safe alphabet ('-' for '+'): "?" "?>?"
  EXPECT_TRUE(
      eval("b64(proc.exe) = '?"
           "?>?'",
           e));
  e.set("proc.exe", "not base64!");
  EXPECT_FALSE(eval("b64(proc.exe) = 'not base64!'", e));
  EXPECT_FALSE(eval("b64(proc.exe) exists", e)) << "undecodable: no value";
  EXPECT_TRUE(eval("tolower(basename(fd.name)) = shadow", e));
  EXPECT_NE(error_of("tolower(proc.pid) = 1"), "");
}

TEST(Transformers, ValComparesTwoFields) {
  FakeEvent e("execve");
  e.set("proc.name", "bash").set("proc.pname", "bash").set("proc.exe", "BASH");
  EXPECT_TRUE(eval("proc.name = val(proc.pname)", e));
  EXPECT_FALSE(eval("proc.name != val(proc.pname)", e));
  EXPECT_TRUE(eval("proc.name = tolower(proc.exe)", e));
  EXPECT_FALSE(eval("proc.name = val(proc.cwd)", e)) << "missing right-hand side";
}

TEST(Operators, TypeErrorsAreCompileErrors) {
  EXPECT_NE(error_of("proc.pid contains 4"), "");
  EXPECT_NE(error_of("proc.pid = abc"), "");
  EXPECT_NE(error_of("evt.is_open_read = maybe"), "");
  EXPECT_NE(error_of("evt.is_open_read startswith t"), "");
  EXPECT_NE(error_of("fd.name = (a, b)"), "");
}

TEST(Logic, PrecedenceIsNotThenAndThenOr) {
  FakeEvent e("openat");
  e.set("proc.name", "a");
  // a or (b and c) -> true; (a or b) and c would be false.
  EXPECT_TRUE(eval("proc.name = a or proc.name = b and proc.name = c", e));
  EXPECT_FALSE(eval("(proc.name = a or proc.name = b) and proc.name = c", e));
  // not binds tighter than and.
  EXPECT_FALSE(eval("not proc.name = a and proc.name = a", e));
  EXPECT_TRUE(eval("not not proc.name = a", e));
  EXPECT_TRUE(eval("not(proc.name = b)", e));
  EXPECT_TRUE(eval("proc.name = b or(proc.name = a)", e));
}

}  // namespace
}  // namespace vigil::rules
