// Operands, operators and constants: a field is typed from the registry, an operator is
// checked against the type, constants are parsed once, identical checks are interned.
#include <algorithm>
#include <map>

#include "src/rules/compiler_impl.h"

namespace vigil::rules {
namespace {

bool op_allowed(Op op, FieldType t) {
  switch (t) {
    case FieldType::kString:
    case FieldType::kStringList:
      return true;
    case FieldType::kInt:
      return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
             op == Op::kGe || op == Op::kIn || op == Op::kIntersects || op == Op::kExists;
    case FieldType::kBool:
      return op == Op::kEq || op == Op::kNe || op == Op::kIn || op == Op::kExists;
    case FieldType::kIp:
      return op == Op::kEq || op == Op::kNe || op == Op::kIn || op == Op::kIntersects ||
             op == Op::kExists;
  }
  return false;
}

bool parse_number(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used, 0);
    if (used != s.size()) return false;
    out = v;
    return true;
  } catch (...) {
    return false;
  }
}

bool parse_hex_bytes(const std::string& s, std::string& out) {
  if (s.size() % 2 != 0 || s.empty()) return false;
  out.clear();
  for (size_t i = 0; i < s.size(); i += 2) {
    auto h = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int a = h(s[i]), b = h(s[i + 1]);
    if (a < 0 || b < 0) return false;
    out += char(a * 16 + b);
  }
  return true;
}

}  // namespace

std::optional<Op> op_from(const std::string& s) {
  static const std::map<std::string, Op> kOps = {
      {"=", Op::kEq},
      {"==", Op::kEq},
      {"!=", Op::kNe},
      {"<", Op::kLt},
      {"<=", Op::kLe},
      {">", Op::kGt},
      {">=", Op::kGe},
      {"contains", Op::kContains},
      {"icontains", Op::kIContains},
      {"bcontains", Op::kBContains},
      {"startswith", Op::kStartsWith},
      {"bstartswith", Op::kBStartsWith},
      {"endswith", Op::kEndsWith},
      {"glob", Op::kGlob},
      {"iglob", Op::kIGlob},
      {"regex", Op::kRegex},
      {"in", Op::kIn},
      {"intersects", Op::kIntersects},
      {"pmatch", Op::kPMatch},
      {"exists", Op::kExists},
  };
  auto it = kOps.find(s);
  if (it == kOps.end()) return std::nullopt;
  return it->second;
}

bool is_list_op(Op op) { return op == Op::kIn || op == Op::kIntersects || op == Op::kPMatch; }

std::unique_ptr<Operand> Compiler::compile_operand(const ast::Operand& a, const SourceText& st,
                                                   RuleCtx& ctx) {
  const Position pos = st.at(a.offset);
  if (a.kind == ast::Operand::Kind::kLiteral) {
    auto op = std::make_unique<Operand>();
    op->kind = Operand::Kind::kLiteral;
    op->literal = a.name;
    op->type = FieldType::kString;
    return op;
  }
  if (a.kind == ast::Operand::Kind::kTransformer) {
    static const std::map<std::string, Transform> kTransforms = {
        {"tolower", Transform::kToLower}, {"toupper", Transform::kToUpper},
        {"b64", Transform::kB64},         {"basename", Transform::kBasename},
        {"len", Transform::kLen},
    };
    if (a.name == "val") {
      if (a.args.size() != 1 || a.args[0]->kind != ast::Operand::Kind::kField) {
        throw CompileError{pos, "val() takes exactly one field"};
      }
      return compile_operand(*a.args[0], st, ctx);
    }
    auto t = kTransforms.find(a.name);
    if (t == kTransforms.end()) {
      ctx.unsupported.insert("transformer " + a.name);
      return nullptr;
    }
    if (a.args.size() != 1) {
      throw CompileError{pos, "transformer '" + a.name + "' takes exactly one argument"};
    }
    auto child = compile_operand(*a.args[0], st, ctx);
    if (!child) return nullptr;
    if (t->second == Transform::kLen) {
      if (child->type != FieldType::kString && child->type != FieldType::kStringList) {
        throw CompileError{pos, "transformer 'len' needs a string field"};
      }
    } else if (child->type != FieldType::kString) {
      throw CompileError{pos, "transformer '" + a.name + "' needs a string field, not a " +
                                  std::string(field_type_name(child->type))};
    }
    if (ctx.next_slot >= kMaxTransformSlots) {
      throw CompileError{pos, "too many transformers in one condition"};
    }
    auto op = std::make_unique<Operand>();
    op->kind = Operand::Kind::kTransform;
    op->transform = t->second;
    op->slot = ctx.next_slot++;
    op->type = t->second == Transform::kLen ? FieldType::kInt : FieldType::kString;
    op->child = std::move(child);
    return op;
  }
  // A field.
  auto found = fields::find_field(a.name);
  if (!found) {
    std::string shown = a.name + (a.arg ? "[" + *a.arg + "]" : "");
    if (fields::is_known_unsupported(a.name)) {
      ctx.unsupported.insert(a.name);
      return nullptr;
    }
    if (ctx.skip_unknown) {
      ctx.unknown.insert(a.name);
      return nullptr;
    }
    throw CompileError{pos, "unknown field '" + shown + "'"};
  }
  const auto& info = *found->info;
  auto op = std::make_unique<Operand>();
  op->kind = Operand::Kind::kField;
  op->type = info.type;
  op->ref.id = found->id;
  int32_t index = -1;
  switch (info.arg) {
    case FieldArg::kNone:
      if (a.arg) throw CompileError{pos, "field '" + a.name + "' takes no argument"};
      break;
    case FieldArg::kOptionalIndex:
    case FieldArg::kRequiredIndex: {
      if (!a.arg) {
        if (info.arg == FieldArg::kRequiredIndex) {
          throw CompileError{pos, "field '" + a.name + "' needs an index, as in " + a.name + "[1]"};
        }
        break;
      }
      int64_t n = 0;
      if (!parse_number(*a.arg, n) || n < 0 || n > 64) {
        throw CompileError{
            pos, "field '" + a.name + "' needs a numeric index 0..64, not '" + *a.arg + "'"};
      }
      index = int32_t(n);
      if (op->type == FieldType::kStringList) op->type = FieldType::kString;
      break;
    }
    case FieldArg::kRequiredKeyOrIndex: {
      if (found->key.empty() && !a.arg) {
        throw CompileError{pos, "field '" + a.name + "' needs an argument, as in " + a.name +
                                    ".flags or " + a.name + "[0]"};
      }
      if (a.arg) {
        int64_t n = 0;
        if (parse_number(*a.arg, n) && n >= 0 && n < 16) {
          index = int32_t(n);
        } else {
          found->key = *a.arg;
        }
      }
      break;
    }
  }
  op->ref.index = index;
  op->key_storage = found->key;
  op->ref.key = op->key_storage;
  ctx.fields.push_back({*found, index});
  return op;
}

EventTypeSet Compiler::compile_expr(const ast::Expr& e, const SourceText& st, RuleCtx& ctx,
                                    Node& out) {
  switch (e.kind) {
    case ast::Expr::Kind::kAnd:
    case ast::Expr::Kind::kOr: {
      const bool is_and = e.kind == ast::Expr::Kind::kAnd;
      out.kind = is_and ? Node::Kind::kAnd : Node::Kind::kOr;
      EventTypeSet types = is_and ? fields::all_event_types() : EventTypeSet();
      out.children.resize(e.children.size());
      for (size_t i = 0; i < e.children.size(); ++i) {
        auto t = compile_expr(*e.children[i], st, ctx, out.children[i]);
        types = is_and ? (types & t) : (types | t);
      }
      return types;
    }
    case ast::Expr::Kind::kNot: {
      out.kind = Node::Kind::kNot;
      out.children.resize(1);
      auto t = compile_expr(*e.children[0], st, ctx, out.children[0]);
      // Falco's rule: the complement of a restricted set; an unrestricted child stays so.
      return t == fields::all_event_types() ? t : (fields::all_event_types() & ~t);
    }
    case ast::Expr::Kind::kCheck:
      return compile_check(e, st, ctx, out);
    case ast::Expr::Kind::kMacro:
      return compile_macro(e, st, ctx, out);
  }
  return fields::all_event_types();
}

EventTypeSet Compiler::compile_check(const ast::Expr& e, const SourceText& st, RuleCtx& ctx,
                                     Node& out) {
  const EventTypeSet all = fields::all_event_types();
  auto lhs = compile_operand(*e.lhs, st, ctx);
  std::unique_ptr<Operand> rhs;
  if (e.rhs == ast::Expr::Rhs::kOperand) rhs = compile_operand(*e.operand, st, ctx);
  if (!lhs || (e.rhs == ast::Expr::Rhs::kOperand && !rhs)) {
    // Unsupported field: keep the shape; the rule will not be compiled.
    out.kind = Node::Kind::kCheck;
    return all;
  }
  auto op = op_from(e.op);
  const Position op_pos = st.at(e.op_offset);
  if (!op) throw CompileError{op_pos, "unknown operator '" + e.op + "'"};
  FieldType domain = lhs->type == FieldType::kStringList ? FieldType::kString : lhs->type;
  if (!op_allowed(*op, lhs->type)) {
    throw CompileError{op_pos, "operator '" + e.op + "' cannot be used with " +
                                   std::string(field_type_name(lhs->type)) + " field '" +
                                   e.lhs->name + "'"};
  }
  auto check = std::make_unique<Check>();
  check->op = *op;
  check->type = domain;
  EventTypeSet types = all;
  const bool is_evt_type = e.lhs->kind == ast::Operand::Kind::kField && e.lhs->name == "evt.type";
  if (rhs) {
    check->rhs = std::move(rhs);
  } else if (*op != Op::kExists) {
    std::vector<ast::Literal> values = e.rhs == ast::Expr::Rhs::kListName
                                           ? resolve_list_name(e.values[0], st)
                                       : e.rhs == ast::Expr::Rhs::kList ? list_values(e.values)
                                                                        : e.values;
    if (is_list_op(*op) || e.rhs == ast::Expr::Rhs::kList) {
      if (!is_list_op(*op)) {
        throw CompileError{op_pos, "operator '" + e.op + "' takes one value, not a list"};
      }
      parse_set(*check, values, st);
    } else {
      if (values.size() != 1) throw CompileError{op_pos, "expected one value"};
      parse_scalar(*check, values[0], st, e.lhs->name);
    }
    if (is_evt_type && e.lhs->args.empty()) {
      types = event_type_set(*check, values, st);
      if (types != all || check->op == Op::kNe) check->event_types = types;
    }
  }
  check->lhs = std::move(lhs);
  out.kind = Node::Kind::kCheck;
  out.check = intern(std::move(check), e);
  return types;
}

// Canonical text of an operand, for interning identical checks.
std::string Compiler::operand_key(const Operand& o) {
  switch (o.kind) {
    case Operand::Kind::kField:
      return "f" + std::to_string(o.ref.id) + ":" + o.key_storage + ":" +
             std::to_string(o.ref.index);
    case Operand::Kind::kLiteral:
      return "l" + std::to_string(o.literal.size()) + ":" + o.literal;
    case Operand::Kind::kTransform:
      return "t" + std::to_string(int(o.transform)) + "(" + operand_key(*o.child) + ")";
  }
  return "?";
}

// Returns the rule set's copy of an identical check if there is one, else keeps this one.
const Check* Compiler::intern(std::unique_ptr<Check> c, const ast::Expr& e) {
  std::string key = operand_key(*c->lhs) + "|" + std::to_string(int(c->op)) + "|";
  if (c->rhs) {
    key += "r" + operand_key(*c->rhs);
  } else {
    key += "v" + c->str + "\x1f" + std::to_string(c->num) + "\x1f";
    for (const auto& s : c->strs) key += s + "\x1f";
    for (auto n : c->nums) key += std::to_string(n) + ",";
    for (const auto& v : e.values) key += v.text + "\x1e";
  }
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second;
  c->id = uint32_t(checks_->size());
  const Check* raw = c.get();
  checks_->push_back(std::move(c));
  interned_.emplace(std::move(key), raw);
  return raw;
}

void Compiler::parse_scalar(Check& c, const ast::Literal& v, const SourceText& st,
                            const std::string& field) {
  const Position pos = st.at(v.offset);
  switch (c.type) {
    case FieldType::kInt:
      if (!parse_number(v.text, c.num)) {
        throw CompileError{pos, "'" + v.text + "' is not a number (field '" + field + "')"};
      }
      return;
    case FieldType::kBool: {
      std::string s = v.text;
      std::transform(s.begin(), s.end(), s.begin(), ::tolower);
      if (s != "true" && s != "false") {
        throw CompileError{pos, "'" + v.text + "' is not true or false (field '" + field + "')"};
      }
      c.num = s == "true";
      return;
    }
    case FieldType::kIp:
      if (!IpNet::parse(v.text, c.ip)) {
        throw CompileError{pos, "'" + v.text + "' is not an IP address or network"};
      }
      return;
    case FieldType::kString:
    case FieldType::kStringList:
      break;
  }
  c.str = v.text;
  if (c.op == Op::kBContains || c.op == Op::kBStartsWith) {
    if (!parse_hex_bytes(v.text, c.str)) {
      throw CompileError{pos, "'" + v.text + "' is not a hex byte string (as in 2f62696e)"};
    }
  } else if (c.op == Op::kRegex) {
    RE2::Options o;
    o.set_log_errors(false);
    c.regex = std::make_unique<RE2>(v.text, o);
    if (!c.regex->ok()) {
      throw CompileError{pos, "invalid regular expression '" + v.text + "': " + c.regex->error()};
    }
  }
}

void Compiler::parse_set(Check& c, const std::vector<ast::Literal>& values, const SourceText& st) {
  for (const auto& v : values) {
    const Position pos = st.at(v.offset);
    switch (c.type) {
      case FieldType::kInt:
      case FieldType::kBool: {
        int64_t n = 0;
        std::string s = v.text;
        if (c.type == FieldType::kBool && (s == "true" || s == "false")) {
          n = s == "true";
        } else if (!parse_number(s, n)) {
          throw CompileError{pos, "'" + v.text + "' is not a number"};
        }
        c.nums.push_back(n);
        break;
      }
      case FieldType::kIp: {
        IpNet n;
        if (!IpNet::parse(v.text, n)) {
          throw CompileError{pos, "'" + v.text + "' is not an IP address or network"};
        }
        c.ips.push_back(n);
        break;
      }
      case FieldType::kString:
      case FieldType::kStringList:
        c.strs.push_back(v.text);
        break;
    }
  }
  if (c.op != Op::kPMatch) {
    std::sort(c.strs.begin(), c.strs.end());
    c.strs.erase(std::unique(c.strs.begin(), c.strs.end()), c.strs.end());
  }
  std::sort(c.nums.begin(), c.nums.end());
  c.index_strings();
}

EventTypeSet Compiler::event_type_set(const Check& c, const std::vector<ast::Literal>& values,
                                      const SourceText& st) {
  const EventTypeSet all = fields::all_event_types();
  if (c.op != Op::kEq && c.op != Op::kNe && c.op != Op::kIn && c.op != Op::kIntersects) {
    return all;
  }
  EventTypeSet named;
  for (const auto& v : values) {
    if (auto id = fields::find_event_type(v.text)) {
      named.set(*id);
    } else {
      diags_.warning(st.at(v.offset), "unknown event type '" + v.text +
                                          "': vigil cannot intercept it, so it never matches");
    }
  }
  return c.op == Op::kNe ? (all & ~named) : named;
}

}  // namespace vigil::rules
