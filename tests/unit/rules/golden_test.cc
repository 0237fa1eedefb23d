// Golden tests: the full `vigil rules validate` report of each broken rules file in
// tests/golden/ must equal its .expected file. To update after an intended change:
//   for f in tests/golden/*.yaml; do bazel-bin/src/cli/vigil rules validate $f >
//   ${f%.yaml}.expected; done
// and review the diff.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "src/rules/compiler.h"
#include "src/rules/report.h"

namespace vigil::rules {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, ReportMatchesExpected) {
  const std::string yaml = "tests/golden/" + GetParam() + ".yaml";
  const std::string expected_path = "tests/golden/" + GetParam() + ".expected";
  ASSERT_TRUE(std::filesystem::exists(yaml)) << yaml;
  ASSERT_TRUE(std::filesystem::exists(expected_path)) << expected_path;
  auto result = load_and_compile({yaml}, {});
  EXPECT_EQ(report_text(result, false), read(expected_path));
  EXPECT_TRUE(result.diagnostics.all().size() > 0) << "a golden file must produce diagnostics";
}

INSTANTIATE_TEST_SUITE_P(Diagnostics, Golden,
                         ::testing::Values("unterminated_string", "unknown_macro", "bad_operator",
                                           "wrong_yaml_type", "duplicate_rule", "later_list",
                                           "deep_nesting", "non_utf8", "unknown_field_and_priority",
                                           "yaml_syntax", "append_errors"));

TEST(GoldenSet, EveryGoldenFileIsListed) {
  size_t yaml_files = 0;
  for (const auto& e : std::filesystem::directory_iterator("tests/golden")) {
    if (e.path().extension() == ".yaml") ++yaml_files;
  }
  EXPECT_EQ(yaml_files, 11u) << "add new golden files to the INSTANTIATE list above";
}

}  // namespace
}  // namespace vigil::rules
