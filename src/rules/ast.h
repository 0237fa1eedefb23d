// The condition AST. Nodes carry the byte offset where they start in the condition text,
// which the SourceText of the condition turns into file:line:col.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vigil::rules::ast {

// A field, or a transformer applied to operands: tolower(proc.name), val(proc.pname).
struct Operand {
  enum class Kind { kField, kTransformer, kLiteral };
  Kind kind = Kind::kField;
  size_t offset = 0;
  std::string name;                            // field name, transformer name, or literal text
  std::optional<std::string> arg;              // proc.aname[2] -> "2"
  std::vector<std::unique_ptr<Operand>> args;  // transformer operands
};

// A constant on the right-hand side, as written: quoted strings are already unescaped.
struct Literal {
  std::string text;
  bool quoted = false;
  size_t offset = 0;
};

struct Expr {
  enum class Kind { kAnd, kOr, kNot, kCheck, kMacro };
  Kind kind;
  size_t offset = 0;
  std::vector<std::unique_ptr<Expr>> children;  // and, or, not

  std::string macro;  // kMacro: the identifier

  // kCheck: lhs op rhs
  std::unique_ptr<Operand> lhs;
  std::string op;
  size_t op_offset = 0;
  enum class Rhs { kNone, kScalar, kList, kListName, kOperand };
  Rhs rhs = Rhs::kNone;
  std::vector<Literal> values;       // kScalar (one), kList (any), kListName (the name)
  std::unique_ptr<Operand> operand;  // kOperand: val(field) or a transformer
};

}  // namespace vigil::rules::ast
