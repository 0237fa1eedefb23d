// Exceptions, Falco's way: each one becomes a generated "not (...)" condition whose nodes
// all carry the exception's position.
#include "src/rules/compiler_impl.h"
#include "src/rules/parser.h"

namespace vigil::rules {

std::unique_ptr<ast::Operand> Compiler::exception_field(const ExceptionEntry& f) {
  size_t used = 0;
  std::unique_ptr<ast::Operand> op;
  try {
    op = parse_output_operand(f.item, used);
  } catch (const ParseError&) {
    throw CompileError{f.pos, "'" + f.item + "' is not a field"};
  }
  if (used != f.item.size()) throw CompileError{f.pos, "'" + f.item + "' is not a field"};
  return op;
}

std::string Compiler::normalize_comp(const std::string& s) { return s == "==" ? "=" : s; }

std::unique_ptr<ast::Expr> Compiler::exception_check(const ExceptionEntry& field,
                                                     const std::string& comp,
                                                     const Position& comp_pos,
                                                     const ExceptionEntry& value) {
  auto e = std::make_unique<ast::Expr>();
  e->kind = ast::Expr::Kind::kCheck;
  e->lhs = exception_field(field);
  e->op = normalize_comp(comp);
  auto op = op_from(e->op);
  if (!op || *op == Op::kExists) {
    throw CompileError{comp_pos, "'" + comp + "' is not a supported comparison operator"};
  }
  if (value.is_list) {
    e->rhs = ast::Expr::Rhs::kList;
    for (const auto& v : value.items) {
      if (v.is_list) throw CompileError{v.pos, "exception values nest too deeply"};
      e->values.push_back(item_literal(v.item));
    }
  } else if (is_list_op(*op)) {
    e->rhs = ast::Expr::Rhs::kList;
    e->values.push_back(item_literal(value.item));
  } else {
    e->rhs = ast::Expr::Rhs::kScalar;
    e->values.push_back(item_literal(value.item));
  }
  return e;
}

// Builds "not (...)" for one exception, Falco's way: a tuple of fields matches a tuple of
// values (all comps hold), any of the tuples excludes the event.
std::unique_ptr<ast::Expr> Compiler::exception_expr(const ExceptionDef& ex) {
  std::vector<std::unique_ptr<ast::Expr>> alternatives;
  if (ex.fields.is_list) {
    std::vector<std::string> comps;
    if (!ex.comps.valid) {
      comps.assign(ex.fields.items.size(), "=");
    } else {
      if (!ex.comps.is_list) {
        throw CompileError{ex.comps.pos, "fields and comps must both be lists"};
      }
      for (const auto& c : ex.comps.items) comps.push_back(c.item);
    }
    if (comps.size() != ex.fields.items.size()) {
      throw CompileError{
          ex.pos, "exception '" + ex.name + "': fields and comps lists must have equal length"};
    }
    for (const auto& tuple : ex.values) {
      if (!tuple.is_list || tuple.items.size() != ex.fields.items.size()) {
        throw CompileError{
            tuple.pos, "exception '" + ex.name + "': each value must be a list as long as fields"};
      }
      auto conj = std::make_unique<ast::Expr>();
      conj->kind = ast::Expr::Kind::kAnd;
      for (size_t k = 0; k < comps.size(); ++k) {
        const Position cpos = ex.comps.valid ? ex.comps.items[k].pos : ex.pos;
        conj->children.push_back(
            exception_check(ex.fields.items[k], comps[k], cpos, tuple.items[k]));
      }
      alternatives.push_back(std::move(conj));
    }
  } else {
    std::string comp = ex.comps.valid ? ex.comps.item : "in";
    if (ex.comps.valid && ex.comps.is_list) {
      throw CompileError{ex.comps.pos, "fields and comps must both be strings"};
    }
    comp = normalize_comp(comp);
    if (comp != "in" && comp != "pmatch" && comp != "intersects") {
      throw CompileError{ex.comps.valid ? ex.comps.pos : ex.pos,
                         "when fields is a single value, comps must be in, pmatch or "
                         "intersects"};
    }
    ExceptionEntry all;
    all.is_list = true;
    for (const auto& v : ex.values) {
      if (v.is_list) throw CompileError{v.pos, "expected values to be a list of strings"};
      all.items.push_back(v);
    }
    if (!all.items.empty()) {
      alternatives.push_back(exception_check(ex.fields, comp, ex.pos, all));
    }
  }
  if (alternatives.empty()) return nullptr;
  auto any = std::make_unique<ast::Expr>();
  any->kind = ast::Expr::Kind::kOr;
  any->children = std::move(alternatives);
  auto neg = std::make_unique<ast::Expr>();
  neg->kind = ast::Expr::Kind::kNot;
  neg->children.push_back(std::move(any));
  return neg;
}

}  // namespace vigil::rules
