// Rule compilation. Lists and macros are expanded on the AST (not textually, as Falco
// does), so every node keeps a position in the file it came from. Errors are collected per
// rule; a rule with an error is reported and never enters the index.
#include "src/rules/compiler.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "src/fields/registry.h"
#include "src/rules/loader.h"
#include "src/rules/parser.h"

namespace vigil::rules {
namespace {

int operand_cost(const Operand* o) {
  if (!o) return 0;
  if (o->kind == Operand::Kind::kTransform) return operand_cost(o->child.get());
  if (o->kind != Operand::Kind::kField) return 0;
  return int(fields::field_info(o->ref.id).cost);
}

int node_cost(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kCheck:
      return n.check ? std::max(operand_cost(n.check->lhs.get()), operand_cost(n.check->rhs.get()))
                     : 0;
    case Node::Kind::kTrue:
    case Node::Kind::kFalse:
      return 0;
    default: {
      int c = 0;
      for (const auto& child : n.children) c = std::max(c, node_cost(child));
      return c;
    }
  }
}

// Orders the operands of every and/or so that checks on cheap fields run first (checks are
// pure, so the result is the same): evt.type, container.* and arguments, then fd.* (a
// path), then proc.*, user.* and friends (/proc reads), then the open flags of a file
// event (a /proc read of the opener's blocked system call). Short-circuiting then skips
// the costly reads for most events.
void order_by_cost(Node& n) {
  for (auto& c : n.children) order_by_cost(c);
  if (n.kind != Node::Kind::kAnd && n.kind != Node::Kind::kOr) return;
  std::stable_sort(n.children.begin(), n.children.end(),
                   [](const Node& a, const Node& b) { return node_cost(a) < node_cost(b); });
}

using fields::EventTypeSet;

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

}  // namespace

// Not in the anonymous namespace: CompiledRuleSet names it as its friend.
class Compiler {
 public:
  Compiler(const Collection& col, Diagnostics& diags) : col_(col), diags_(diags) {
    expand_lists();
    macro_asts_.resize(col_.macros.size());
    macro_parsed_.resize(col_.macros.size(), false);
  }

  std::shared_ptr<CompiledRuleSet> run(const CompileOptions& opts) {
    auto set = std::make_shared<CompiledRuleSet>();
    set->matching_ = opts.matching;
    checks_ = &set->checks_;
    for (const auto& def : col_.rules) set->rules_.push_back(compile_rule(def));
    bind_unrestricted(*set);
    for (uint32_t i = 0; i < set->rules_.size(); ++i) {
      const auto& r = set->rules_[i];
      if (r.status != RuleStatus::kCompiled) continue;
      for (const auto& [type, channel] : r.bindings) {
        auto& list = set->index_[size_t(channel)][index_type(type, channel)];
        // open, openat and openat2 share one fanotify event type: index each rule once.
        if (list.empty() || list.back() != i) list.push_back(i);
      }
    }
    return set;
  }

  // fanotify reports opens, execs and writes without the syscall that made them: file
  // events are indexed under one type per channel (openat, execve, write).
  static EventTypeId index_type(EventTypeId type, Channel channel) {
    static const EventTypeId kOpen = *fields::find_event_type("openat");
    static const EventTypeId kExec = *fields::find_event_type("execve");
    static const EventTypeId kWrite = *fields::find_event_type("write");
    switch (channel) {
      case Channel::kFileOpen:
        return kOpen;
      case Channel::kFileExec:
        return kExec;
      case Channel::kFileModify:
        return kWrite;
      case Channel::kSyscall:
        break;
    }
    return type;
  }

  std::optional<ConditionResult> condition(const std::string& text) {
    SourceText st;
    st.append(text, SourceMap::fixed({"<condition>", 1, 1}));
    RuleCtx ctx;
    ConditionResult out;
    checks_ = &out.checks;
    try {
      std::unique_ptr<ast::Expr> tree;
      try {
        tree = parse_condition(st.text);
      } catch (const ParseError& e) {
        throw CompileError{st.at(e.offset), e.what()};
      }
      out.program = std::make_unique<Node>();
      out.event_types = compile_expr(*tree, st, ctx, *out.program);
    } catch (const CompileError& e) {
      diags_.error(e.pos, e.message);
      return std::nullopt;
    }
    out.unsupported.assign(ctx.unsupported.begin(), ctx.unsupported.end());
    return out;
  }

 private:
  // ---- lists -------------------------------------------------------------------------

  void expand_lists() {
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
  std::vector<ast::Literal> list_values(const std::vector<ast::Literal>& written) const {
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

  // ---- macros ------------------------------------------------------------------------

  const ast::Expr* macro_ast(size_t i) {
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

  // ---- operands ----------------------------------------------------------------------

  std::unique_ptr<Operand> compile_operand(const ast::Operand& a, const SourceText& st,
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
            throw CompileError{pos,
                               "field '" + a.name + "' needs an index, as in " + a.name + "[1]"};
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

  // ---- checks ------------------------------------------------------------------------

  EventTypeSet compile_check(const ast::Expr& e, const SourceText& st, RuleCtx& ctx, Node& out) {
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
  static std::string operand_key(const Operand& o) {
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
  const Check* intern(std::unique_ptr<Check> c, const ast::Expr& e) {
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

  std::vector<ast::Literal> resolve_list_name(const ast::Literal& name, const SourceText& st) {
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

  void parse_scalar(Check& c, const ast::Literal& v, const SourceText& st,
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

  void parse_set(Check& c, const std::vector<ast::Literal>& values, const SourceText& st) {
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

  EventTypeSet event_type_set(const Check& c, const std::vector<ast::Literal>& values,
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

  // ---- expressions -------------------------------------------------------------------

  EventTypeSet compile_expr(const ast::Expr& e, const SourceText& st, RuleCtx& ctx, Node& out) {
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

  EventTypeSet compile_macro(const ast::Expr& e, const SourceText& st, RuleCtx& ctx, Node& out) {
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
    if (std::find(ctx.macro_stack.begin(), ctx.macro_stack.end(), m.name) !=
        ctx.macro_stack.end()) {
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

  // ---- exceptions --------------------------------------------------------------------

  std::unique_ptr<ast::Operand> exception_field(const ExceptionEntry& f) {
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

  static std::string normalize_comp(const std::string& s) { return s == "==" ? "=" : s; }

  std::unique_ptr<ast::Expr> exception_check(const ExceptionEntry& field, const std::string& comp,
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
  std::unique_ptr<ast::Expr> exception_expr(const ExceptionDef& ex) {
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
          throw CompileError{tuple.pos, "exception '" + ex.name +
                                            "': each value must be a list as long as fields"};
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

  // ---- outputs -----------------------------------------------------------------------

  void compile_output(const SourceText& st, RuleCtx& ctx, CompiledRule& rule) {
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

  // ---- rules -------------------------------------------------------------------------

  CompiledRule compile_rule(const RuleDef& def) {
    CompiledRule r;
    r.facts.name = def.name;
    r.facts.priority = def.priority;
    r.facts.action = def.action;
    r.facts.block_errno = def.block_errno ? def.block_errno : EPERM;
    r.facts.tags.assign(def.tags.begin(), def.tags.end());
    r.file = def.file;
    r.pos = def.pos;
    r.desc = def.desc;
    r.enabled = def.enabled;
    if (def.load_failed) {
      r.status = RuleStatus::kError;
      r.reason = "the rule has errors (see the error list)";
      return r;
    }
    if (def.source != "syscall") {
      r.status = RuleStatus::kUnsupported;
      r.reason = "source '" + def.source + "' is not supported (vigil supports: syscall)";
      return r;
    }
    RuleCtx ctx;
    ctx.rule = &def;
    ctx.skip_unknown = def.skip_if_unknown_filter;
    try {
      std::unique_ptr<ast::Expr> tree;
      try {
        tree = parse_condition(def.condition.text);
      } catch (const ParseError& e) {
        throw CompileError{def.condition.at(e.offset), e.what()};
      }
      // Exception nodes are generated; their positions all map to the exception itself.
      std::vector<std::pair<std::unique_ptr<ast::Expr>, Position>> extra;
      for (const auto& ex : def.exceptions) {
        try {
          if (auto e = exception_expr(ex)) extra.emplace_back(std::move(e), ex.pos);
        } catch (const CompileError& err) {
          diags_.error(err.pos, err.message);
          r.status = RuleStatus::kError;
        }
      }
      r.program = std::make_unique<Node>();
      EventTypeSet types = compile_expr(*tree, def.condition, ctx, *r.program);
      if (!extra.empty()) {
        Node conj;
        conj.kind = Node::Kind::kAnd;
        conj.children.push_back(std::move(*r.program));
        for (const auto& [e, pos] : extra) {
          SourceText st;
          st.append(" ", SourceMap::fixed(pos));
          Node n;
          compile_expr(*e, st, ctx, n);
          conj.children.push_back(std::move(n));
        }
        *r.program = std::move(conj);
      }
      r.event_types = types;
      compile_output(def.output, ctx, r);
    } catch (const CompileError& e) {
      diags_.error(e.pos, e.message);
      r.status = RuleStatus::kError;
    }
    if (r.status == RuleStatus::kError) {
      r.program.reset();
      r.reason = "the rule has errors (see the error list)";
      return r;
    }
    if (!ctx.unknown.empty()) {
      r.program.reset();
      r.status = RuleStatus::kUnsupported;
      r.reason = "unknown field(s) " + join(ctx.unknown) + " (skip-if-unknown-filter)";
      diags_.warning(def.pos, "rule '" + def.name + "' skipped: " + r.reason);
      return r;
    }
    if (!ctx.unsupported.empty()) {
      r.program.reset();
      r.status = RuleStatus::kUnsupported;
      r.reason = "unsupported: " + join(ctx.unsupported);
      return r;
    }
    bind_channels(def, ctx, r);
    if (r.program && !r.unrestricted && !r.bindings.empty()) fold(r);
    if (r.status == RuleStatus::kCompiled && !def.enabled) {
      r.status = RuleStatus::kDisabled;
      r.reason = "enabled: false";
    }
    return r;
  }

  static std::string join(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += (out.empty() ? "" : ", ") + x;
    return out;
  }

  static bool blocks(Action a) { return a == Action::kBlock || a == Action::kKill; }

  // Picks, for each event type the rule can match, the channel that supplies every field it
  // reads; prefers race-free channels for blocking rules and fanotify for file events.
  void bind_channels(const RuleDef& def, const RuleCtx& ctx, CompiledRule& r) {
    const EventTypeSet all = fields::all_event_types();
    if (r.event_types.none()) {
      diags_.warning(def.pos, "rule '" + def.name + "' can never match: its condition " +
                                  "excludes every event type");
      return;
    }
    // More than half the known types is no restriction (Falco warns above 100 of ~350).
    if (r.event_types.count() * 2 > all.count()) {
      r.unrestricted = true;
      if (def.warn_evttypes) {
        diags_.warning(def.pos, "rule '" + def.name +
                                    "' does not restrict evt.type; it is "
                                    "evaluated on events other rules intercept and makes vigil "
                                    "intercept nothing on its own");
      }
      return;
    }
    ChannelMask fields_mask = kAllChannels;
    for (const auto& f : ctx.fields) fields_mask &= f.lookup.info->channels;
    std::set<std::string> racy;
    bool any_bound = false;
    ChannelMask types_mask = 0;
    for (size_t t = 0; t < all.size(); ++t) {
      if (!r.event_types.test(t)) continue;
      const auto type = EventTypeId(t);
      const auto& info = fields::event_type(type);
      const ChannelMask avail = fields::event_type_channels(type);
      types_mask |= avail;
      const ChannelMask cand = avail & fields_mask;
      if (!cand) continue;
      auto racy_on = [&](Channel c, std::set<std::string>* why) {
        bool any = false;
        for (const auto& f : ctx.fields) {
          if (fields::is_racy(*f.lookup.info, f.lookup, c, info, f.index)) {
            any = true;
            if (why) {
              std::string n(f.lookup.info->name);
              if (!f.lookup.key.empty()) n += "." + f.lookup.key;
              if (f.index >= 0) n += "[" + std::to_string(f.index) + "]";
              why->insert(n + " on " + std::string(info.name));
            }
          }
        }
        if (c == Channel::kFileModify) {
          any = true;
          if (why) why->insert(std::string(info.name) + " is reported after it happened");
        }
        return any;
      };
      std::optional<Channel> pick;
      const Channel order[] = {Channel::kFileExec, Channel::kFileOpen, Channel::kSyscall,
                               Channel::kFileModify};
      for (Channel c : order) {
        if (!(cand & channel_bit(c))) continue;
        if (blocks(def.action) && racy_on(c, nullptr)) continue;
        pick = c;
        break;
      }
      if (!pick) {
        for (Channel c : order) {
          if (cand & channel_bit(c)) {
            pick = c;
            break;
          }
        }
        if (blocks(def.action)) racy_on(*pick, &racy);
      }
      r.bindings.push_back({type, *pick});
      any_bound = true;
      switch (*pick) {
        case Channel::kSyscall:
          if (std::find(r.syscalls.begin(), r.syscalls.end(), info.syscall) == r.syscalls.end()) {
            r.syscalls.emplace_back(info.syscall);
          }
          break;
        case Channel::kFileOpen:
        case Channel::kFileExec:
        case Channel::kFileModify:
          r.file_channels |= channel_bit(*pick);
          break;
      }
    }
    if (!any_bound) {
      std::set<std::string> missing;
      for (const auto& f : ctx.fields) {
        if (!(f.lookup.info->channels & types_mask))
          missing.insert(std::string(f.lookup.info->name));
      }
      r.status = RuleStatus::kUnsupported;
      r.reason = "unsupported: " +
                 (missing.empty() ? std::string("no single channel supplies "
                                                "all its fields")
                                  : join(missing)) +
                 " not available for its event types";
      r.program.reset();
      return;
    }
    std::sort(r.syscalls.begin(), r.syscalls.end());
    if (blocks(def.action)) {
      r.sound = racy.empty();
      r.racy_fields.assign(racy.begin(), racy.end());
    }
  }

  // Rules without an evt.type restriction join every (channel, type) other rules bound,
  // where the channel supplies their fields; they never add interception of their own.
  void bind_unrestricted(CompiledRuleSet& set) {
    std::set<std::pair<EventTypeId, Channel>> used;
    for (const auto& r : set.rules_) {
      if (r.status == RuleStatus::kCompiled && !r.unrestricted) {
        used.insert(r.bindings.begin(), r.bindings.end());
      }
    }
    for (auto& r : set.rules_) {
      if (r.status != RuleStatus::kCompiled || !r.unrestricted) continue;
      for (const auto& [type, channel] : used) {
        if (r.event_types.test(type)) r.bindings.push_back({type, channel});
      }
      if (blocks(r.facts.action)) r.sound = std::nullopt;
      if (!r.bindings.empty()) fold(r);
    }
  }

  static void fold(CompiledRule& r) {
    EventTypeSet bound;
    for (const auto& b : r.bindings) bound.set(b.first);
    fold_event_types(*r.program, bound);
    order_by_cost(*r.program);
  }

  const Collection& col_;
  Diagnostics& diags_;
  std::vector<std::unique_ptr<Check>>* checks_ = nullptr;  // where interned checks go
  std::unordered_map<std::string, const Check*> interned_;
  std::vector<std::vector<ListItem>> expanded_;
  std::vector<std::unique_ptr<ast::Expr>> macro_asts_;
  std::vector<bool> macro_parsed_;
};

std::string_view rule_status_name(RuleStatus s) {
  switch (s) {
    case RuleStatus::kCompiled:
      return "compiled";
    case RuleStatus::kUnsupported:
      return "unsupported";
    case RuleStatus::kDisabled:
      return "disabled";
    case RuleStatus::kError:
      return "error";
  }
  return "?";
}

std::shared_ptr<CompiledRuleSet> compile_rules(const Collection& col, const CompileOptions& opts,
                                               Diagnostics& diags) {
  return Compiler(col, diags).run(opts);
}

LoadResult load_and_compile(const std::vector<std::string>& paths, const CompileOptions& opts) {
  LoadResult out;
  for (const auto& p : paths) load_rules_path(p, out.collection, out.diagnostics);
  out.rules = compile_rules(out.collection, opts, out.diagnostics);
  return out;
}

std::optional<ConditionResult> compile_condition(const std::string& condition,
                                                 const Collection& col, Diagnostics& diags) {
  return Compiler(col, diags).condition(condition);
}

}  // namespace vigil::rules
