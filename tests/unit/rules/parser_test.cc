// The condition grammar: structure, tokens, and errors with their offsets.
#include "src/rules/parser.h"

#include <gtest/gtest.h>

namespace vigil::rules {
namespace {

using Kind = ast::Expr::Kind;

size_t error_offset(const std::string& text, std::string* message = nullptr) {
  try {
    parse_condition(text);
  } catch (const ParseError& e) {
    if (message) *message = e.what();
    return e.offset;
  }
  ADD_FAILURE() << "parsed without error: " << text;
  return std::string::npos;
}

TEST(Parser, OrOfAndsWithNot) {
  auto e = parse_condition("a or not b and c");
  ASSERT_EQ(e->kind, Kind::kOr);
  ASSERT_EQ(e->children.size(), 2u);
  EXPECT_EQ(e->children[0]->kind, Kind::kMacro);
  ASSERT_EQ(e->children[1]->kind, Kind::kAnd);
  EXPECT_EQ(e->children[1]->children[0]->kind, Kind::kNot);
  EXPECT_EQ(e->children[1]->children[0]->children[0]->macro, "b");
}

TEST(Parser, ChecksCarryFieldOperatorAndValues) {
  auto e = parse_condition("proc.aname[2] in (sh, 'b a', \"c\\\"d\")");
  ASSERT_EQ(e->kind, Kind::kCheck);
  EXPECT_EQ(e->lhs->name, "proc.aname");
  EXPECT_EQ(*e->lhs->arg, "2");
  EXPECT_EQ(e->op, "in");
  ASSERT_EQ(e->values.size(), 3u);
  EXPECT_EQ(e->values[0].text, "sh");
  EXPECT_FALSE(e->values[0].quoted);
  EXPECT_EQ(e->values[1].text, "b a");
  EXPECT_EQ(e->values[2].text, "c\"d");
  EXPECT_EQ(e->values[2].offset, 29u);
}

TEST(Parser, BareValuesKeepFalcosCharacterSet) {
  auto e = parse_condition("proc.pname in (runc:[0:PARENT], -e, 10.0.0.0/8, a.b.c)");
  ASSERT_EQ(e->values.size(), 4u);
  EXPECT_EQ(e->values[0].text, "runc:[0:PARENT]");
  EXPECT_EQ(e->values[1].text, "-e");
  EXPECT_EQ(e->values[3].text, "a.b.c") << "a value that looks like a field is a value";
}

TEST(Parser, KeyedFieldsAndTransformers) {
  auto e = parse_condition("tolower(basename(evt.arg.name)) = val(proc.name)");
  ASSERT_EQ(e->kind, Kind::kCheck);
  EXPECT_EQ(e->lhs->kind, ast::Operand::Kind::kTransformer);
  EXPECT_EQ(e->lhs->name, "tolower");
  EXPECT_EQ(e->lhs->args[0]->name, "basename");
  EXPECT_EQ(e->lhs->args[0]->args[0]->name, "evt.arg.name");
  ASSERT_EQ(e->rhs, ast::Expr::Rhs::kOperand);
  EXPECT_EQ(e->operand->name, "val");
}

TEST(Parser, QuotedStringEscapes) {
  auto e = parse_condition(R"(proc.cmdline = "a\tb\\c\x41")");
  EXPECT_EQ(e->values[0].text, "a\tb\\cA");
  std::string msg;
  error_offset(R"(proc.cmdline = 'a\"b')", &msg);
  EXPECT_NE(msg.find("escape"), std::string::npos);
}

TEST(Parser, WordOperatorsNeedABlank) {
  auto e = parse_condition("fd.name contains x");
  EXPECT_EQ(e->op, "contains");
  std::string msg;
  error_offset("fd.name containsx", &msg);
  EXPECT_NE(msg.find("operator"), std::string::npos);
}

TEST(Parser, ErrorsPointAtTheOffendingToken) {
  EXPECT_EQ(error_offset("proc.name = \"abc"), 12u);  // unterminated string
  EXPECT_EQ(error_offset("proc.name ~ x"), 10u);      // bad operator
  EXPECT_EQ(error_offset("(proc.name = x"), 14u);     // missing ')'
  EXPECT_EQ(error_offset("proc.name = x y"), 14u);    // trailing token
  EXPECT_EQ(error_offset("proc.name = x and"), 14u);  // dangling and
  EXPECT_EQ(error_offset("   "), 0u);                 // empty
  EXPECT_EQ(error_offset("proc.aname[ = x"), 11u);    // bad field argument
}

TEST(Parser, HostileNestingIsAnErrorNotACrash) {
  std::string deep(100000, '(');
  deep += "a";
  deep += std::string(100000, ')');
  std::string msg;
  error_offset(deep, &msg);
  EXPECT_NE(msg.find("deeper than the limit"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  nots += "a";
  EXPECT_NO_THROW(parse_condition(nots)) << "a chain of nots is iterative, not nested";
}

TEST(Parser, ValueTokens) {
  ast::Literal l;
  std::string err;
  ASSERT_TRUE(parse_value_token("\"(systemd)\"", l, err));
  EXPECT_EQ(l.text, "(systemd)");
  EXPECT_TRUE(l.quoted);
  EXPECT_FALSE(parse_value_token("a b", l, err));
}

}  // namespace
}  // namespace vigil::rules
