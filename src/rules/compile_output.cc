// Output templates: literal text and %field segments, each field compiled as an operand
// that renders <NA> when the event cannot supply it.
#include <algorithm>
#include <cctype>

#include "src/rules/compiler_impl.h"
#include "src/rules/parser.h"

namespace vigil::rules {

void Compiler::compile_output(const SourceText& st, RuleCtx& ctx, CompiledRule& rule) {
  const std::string& s = st.text;
  std::string literal;
  size_t i = 0;
  auto flush = [&] {
    if (!literal.empty()) {
      rule.output.segments.push_back({literal, false, nullptr, 0});
      literal.clear();
    }
  };
  while (i < s.size()) {
    if (s[i] != '%') {
      literal += s[i++];
      continue;
    }
    const size_t at = i++;
    if (i >= s.size()) throw CompileError{st.at(at), "output cannot end with '%'"};
    int width = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      width = std::min(width * 10 + (s[i++] - '0'), 4096);
    }
    size_t used = 0;
    std::unique_ptr<ast::Operand> a;
    try {
      a = parse_output_operand(std::string_view(s).substr(i), used);
    } catch (const ParseError& e) {
      throw CompileError{st.at(at), std::string("invalid output field: ") + e.what()};
    }
    // Positions inside the operand are relative to i.
    SourceText sub;
    sub.append(s.substr(i, used), SourceMap::fixed(st.at(i)));
    const std::string name = s.substr(i, used);
    i += used;
    flush();
    RuleCtx out_ctx;
    out_ctx.skip_unknown = ctx.skip_unknown;
    out_ctx.next_slot = 0;
    auto op = compile_operand(*a, sub, out_ctx);
    for (const auto& u : out_ctx.unsupported) {
      diags_.warning(st.at(at),
                     "output field '" + u + "' is not supplied by vigil; it renders as <NA>");
    }
    ctx.unknown.insert(out_ctx.unknown.begin(), out_ctx.unknown.end());
    rule.output.segments.push_back({name, true, std::move(op), width});
  }
  flush();
}

}  // namespace vigil::rules
