// Lists and macros: a list may name lists defined before it, a macro macros defined before
// it; both are expanded on the AST so positions stay those of the file they came from.
#include <algorithm>

#include "src/rules/compiler_impl.h"
#include "src/rules/parser.h"

namespace vigil::rules {

// A list item as written in YAML, read as a condition value the way Falco does.
ast::Literal item_literal(const std::string& text) {
  ast::Literal l;
  if (!text.empty() && (text[0] == '"' || text[0] == '\'')) {
    std::string err;
    if (parse_value_token(text, l, err)) return l;
  }
  l.text = text;
  l.quoted = text.find_first_of(" \t") != std::string::npos;
  return l;
}

void Compiler::expand_lists() {
  expanded_.resize(col_.lists.size());
  for (size_t i = 0; i < col_.lists.size(); ++i) {
    const auto& l = col_.lists[i];
    for (const auto& item : l.items) {
      auto it = col_.list_index.find(item.text);
      if (it != col_.list_index.end() && it->second != i) {
        const auto& ref = col_.lists[it->second];
        if (ref.index < l.visibility) {
          const auto& sub = expanded_[it->second];
          expanded_[i].insert(expanded_[i].end(), sub.begin(), sub.end());
          continue;
        }
        diags_.warning(item.pos, "list '" + l.name + "' item '" + item.text +
                                     "' names a list defined later, at " + ref.pos.file + ":" +
                                     std::to_string(ref.pos.line) + ":" +
                                     std::to_string(ref.pos.col) +
                                     "; lists may only reference earlier lists, so the item "
                                     "is taken literally");
      }
      expanded_[i].push_back(item);
    }
  }
}

// Values of a list on the right of in/intersects/pmatch, list names expanded.
std::vector<ast::Literal> Compiler::list_values(const std::vector<ast::Literal>& written) const {
  std::vector<ast::Literal> out;
  for (const auto& v : written) {
    if (!v.quoted) {
      auto it = col_.list_index.find(v.text);
      if (it != col_.list_index.end()) {
        for (const auto& item : expanded_[it->second]) {
          ast::Literal l = item_literal(item.text);
          l.offset = v.offset;
          out.push_back(std::move(l));
        }
        continue;
      }
    }
    out.push_back(v);
  }
  return out;
}

std::vector<ast::Literal> Compiler::resolve_list_name(const ast::Literal& name,
                                                      const SourceText& st) {
  auto it = col_.list_index.find(name.text);
  if (it == col_.list_index.end()) {
    throw CompileError{st.at(name.offset), "unknown list '" + name.text + "'"};
  }
  std::vector<ast::Literal> out;
  for (const auto& item : expanded_[it->second]) {
    ast::Literal l = item_literal(item.text);
    l.offset = name.offset;
    out.push_back(std::move(l));
  }
  return out;
}

const ast::Expr* Compiler::macro_ast(size_t i) {
  if (!macro_parsed_[i]) {
    macro_parsed_[i] = true;
    const auto& m = col_.macros[i];
    try {
      macro_asts_[i] = parse_condition(m.condition.text);
    } catch (const ParseError& e) {
      diags_.error(m.condition.at(e.offset),
                   std::string(e.what()) + " (in macro '" + m.name + "')");
    }
  }
  return macro_asts_[i].get();
}

EventTypeSet Compiler::compile_macro(const ast::Expr& e, const SourceText& st, RuleCtx& ctx,
                                     Node& out) {
  const Position pos = st.at(e.offset);
  auto it = col_.macro_index.find(e.macro);
  if (it == col_.macro_index.end()) {
    throw CompileError{pos, "undefined macro '" + e.macro + "' used in condition"};
  }
  const MacroDef& m = col_.macros[it->second];
  if (!ctx.macro_stack.empty()) {
    // Inside a macro, only macros defined before the user are visible.
    const MacroDef& user = col_.macros[col_.macro_index.at(ctx.macro_stack.back())];
    if (m.index >= user.visibility) {
      throw CompileError{pos, "undefined macro '" + e.macro + "' used in macro '" + user.name +
                                  "': it is defined later, at " + m.pos.file + ":" +
                                  std::to_string(m.pos.line) + ":" + std::to_string(m.pos.col) +
                                  "; macros may only use macros defined before them"};
    }
  }
  if (std::find(ctx.macro_stack.begin(), ctx.macro_stack.end(), m.name) != ctx.macro_stack.end()) {
    throw CompileError{pos, "macro '" + m.name + "' refers to itself"};
  }
  if (ctx.macro_stack.size() >= kMaxConditionDepth) {
    throw CompileError{
        pos, "macros nest deeper than the limit of " + std::to_string(kMaxConditionDepth)};
  }
  const ast::Expr* body = macro_ast(it->second);
  if (!body) throw CompileError{pos, "macro '" + m.name + "' has errors (reported above)"};
  ctx.macro_stack.push_back(m.name);
  auto types = compile_expr(*body, m.condition, ctx, out);
  ctx.macro_stack.pop_back();
  return types;
}

}  // namespace vigil::rules
