// The compiler's own class, shared by the files that each hold one of its jobs:
//   compiler.cc          driver: the rule set, one rule, one condition;
//   compile_names.cc     lists and macros, expanded on the AST;
//   compile_checks.cc    operands, operators and constants: typing and interning checks;
//   compile_exceptions.cc  exceptions, turned into generated "not (...)" conditions;
//   compile_output.cc    output templates;
//   bind_channels.cc     which kernel channel supplies each event type, soundness, folding.
// Private to src/rules: nothing outside includes it.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "src/fields/registry.h"
#include "src/rules/ast.h"
#include "src/rules/compiler.h"

namespace vigil::rules {

using fields::EventTypeSet;

// Thrown inside one rule's compilation; caught per rule and reported with its position.
struct CompileError {
  Position pos;
  std::string message;
};

struct FieldUse {
  fields::FieldLookup lookup;
  int32_t index = -1;
};

// State while compiling one rule (or one standalone condition).
struct RuleCtx {
  const RuleDef* rule = nullptr;
  bool skip_unknown = false;
  std::set<std::string> unsupported;  // known Falco fields/transformers vigil lacks
  std::set<std::string> unknown;      // unknown fields under skip-if-unknown-filter
  std::vector<FieldUse> fields;
  std::vector<std::string> macro_stack;
  uint8_t next_slot = 0;
};

// Operator names and list literals, shared by conditions and exceptions.
std::optional<Op> op_from(const std::string& s);
bool is_list_op(Op op);
ast::Literal item_literal(const std::string& text);

// Not in an anonymous namespace: CompiledRuleSet names it as its friend.
class Compiler {
 public:
  Compiler(const Collection& col, Diagnostics& diags);

  std::shared_ptr<CompiledRuleSet> run(const CompileOptions& opts);
  std::optional<ConditionResult> condition(const std::string& text);

 private:
  static EventTypeId index_type(EventTypeId type, Channel channel);
  CompiledRule compile_rule(const RuleDef& def);
  // The config's priority and rules: selectors, on a rule that compiled.
  void apply_config(const RuleDef& def, CompiledRule& r) const;
  const CompileOptions* opts_ = nullptr;
  static std::string join(const std::set<std::string>& s);

  // compile_names.cc
  void expand_lists();
  std::vector<ast::Literal> list_values(const std::vector<ast::Literal>& written) const;
  std::vector<ast::Literal> resolve_list_name(const ast::Literal& name, const SourceText& st);
  const ast::Expr* macro_ast(size_t i);
  EventTypeSet compile_macro(const ast::Expr& e, const SourceText& st, RuleCtx& ctx, Node& out);

  // compile_checks.cc
  std::unique_ptr<Operand> compile_operand(const ast::Operand& a, const SourceText& st,
                                           RuleCtx& ctx);
  EventTypeSet compile_expr(const ast::Expr& e, const SourceText& st, RuleCtx& ctx, Node& out);
  EventTypeSet compile_check(const ast::Expr& e, const SourceText& st, RuleCtx& ctx, Node& out);
  static std::string operand_key(const Operand& o);
  const Check* intern(std::unique_ptr<Check> c, const ast::Expr& e);
  void parse_scalar(Check& c, const ast::Literal& v, const SourceText& st,
                    const std::string& field);
  void parse_set(Check& c, const std::vector<ast::Literal>& values, const SourceText& st);
  EventTypeSet event_type_set(const Check& c, const std::vector<ast::Literal>& values,
                              const SourceText& st);

  // compile_exceptions.cc
  std::unique_ptr<ast::Operand> exception_field(const ExceptionEntry& f);
  static std::string normalize_comp(const std::string& s);
  std::unique_ptr<ast::Expr> exception_check(const ExceptionEntry& field, const std::string& comp,
                                             const Position& comp_pos, const ExceptionEntry& value);
  std::unique_ptr<ast::Expr> exception_expr(const ExceptionDef& ex);

  // compile_output.cc
  void compile_output(const SourceText& st, RuleCtx& ctx, CompiledRule& rule);

  // bind_channels.cc
  static bool blocks(Action a);
  void bind_channels(const RuleDef& def, const RuleCtx& ctx, CompiledRule& r);
  void bind_unrestricted(CompiledRuleSet& set);
  static void fold(CompiledRule& r);

  const Collection& col_;
  Diagnostics& diags_;
  std::vector<std::unique_ptr<Check>>* checks_ = nullptr;  // where interned checks go
  std::unordered_map<std::string, const Check*> interned_;
  std::vector<std::vector<ListItem>> expanded_;
  std::vector<std::unique_ptr<ast::Expr>> macro_asts_;
  std::vector<bool> macro_parsed_;
};

}  // namespace vigil::rules
