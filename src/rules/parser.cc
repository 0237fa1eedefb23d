// Recursive-descent parser for conditions; see parser.h for the grammar.
#include "src/rules/parser.h"

#include <cctype>
#include <cstring>

namespace vigil::rules {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_alnum_(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

const char* const kTransformers[] = {"tolower", "toupper", "b64",    "basename",
                                     "len",     "join",    "concat", "getopt"};

class Parser {
 public:
  explicit Parser(std::string_view in) : in_(in) {}

  std::unique_ptr<ast::Expr> parse() {
    if (in_.find_first_not_of(" \t\r\n\b") == std::string_view::npos) {
      throw ParseError(0, "condition is empty");
    }
    auto e = parse_or();
    if (pos_ != in_.size()) {
      throw ParseError(pos_, "unexpected token after '" + last_ + "', expecting 'or', 'and'");
    }
    return e;
  }

  std::unique_ptr<ast::Operand> parse_output_operand() {
    auto op = try_operand(/*allow_val=*/false);
    if (!op) throw ParseError(pos_, "expected a field or a transformer after '%'");
    return op;
  }

  size_t pos() const { return pos_; }

  // Lexes one value: a quoted string or a bare string.
  bool value(ast::Literal& out) {
    size_t start = pos_;
    if (quoted(out.text)) {
      out.quoted = true;
      out.offset = start;
      return true;
    }
    if (bare(out.text)) {
      out.quoted = false;
      out.offset = start;
      return true;
    }
    return false;
  }

 private:
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxConditionDepth) {
        throw ParseError(p_.pos_, "condition nests deeper than the limit of " +
                                      std::to_string(kMaxConditionDepth));
      }
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  char peek(size_t ahead = 0) const { return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0'; }
  bool blank() {
    bool found = false;
    while (pos_ < in_.size() && is_blank(in_[pos_])) {
      ++pos_;
      found = true;
    }
    return found;
  }
  bool lit(std::string_view s) {
    if (in_.substr(pos_, s.size()) == s) {
      pos_ += s.size();
      last_ = std::string(s);
      return true;
    }
    return false;
  }
  // A keyword followed by a blank (the blank is consumed too).
  bool word_blank(std::string_view s) {
    size_t save = pos_;
    if (lit(s) && blank()) return true;
    pos_ = save;
    return false;
  }
  bool identifier(std::string& out) {
    size_t p = pos_;
    if (p >= in_.size() || !is_alpha(in_[p])) return false;
    while (p < in_.size() && is_alpha(in_[p])) ++p;
    while (p < in_.size() && is_alnum_(in_[p])) ++p;
    out = std::string(in_.substr(pos_, p - pos_));
    last_ = out;
    pos_ = p;
    return true;
  }
  size_t identifier_end(size_t p) const {
    if (p >= in_.size() || !is_alpha(in_[p])) return std::string_view::npos;
    while (p < in_.size() && is_alpha(in_[p])) ++p;
    while (p < in_.size() && is_alnum_(in_[p])) ++p;
    return p;
  }
  bool field_name(std::string& out) {
    size_t p = identifier_end(pos_);
    if (p == std::string_view::npos) return false;
    int segments = 1;
    while (p < in_.size() && in_[p] == '.') {
      size_t q = identifier_end(p + 1);
      if (q == std::string_view::npos) break;
      p = q;
      ++segments;
    }
    if (segments < 2) return false;
    out = std::string(in_.substr(pos_, p - pos_));
    last_ = out;
    pos_ = p;
    return true;
  }
  bool quoted(std::string& out) {
    char delim = peek();
    if (delim != '"' && delim != '\'') return false;
    size_t start = pos_;
    size_t p = pos_ + 1;
    std::string res;
    while (p < in_.size()) {
      char c = in_[p];
      if (c == delim) {
        pos_ = p + 1;
        out = std::move(res);
        last_ = std::string(in_.substr(start, pos_ - start));
        return true;
      }
      if (c == '\\') {
        if (p + 1 >= in_.size()) break;
        char e = in_[p + 1];
        switch (e) {
          case 'b':
            res += '\b';
            break;
          case 'f':
            res += '\f';
            break;
          case 'n':
            res += '\n';
            break;
          case 'r':
            res += '\r';
            break;
          case 't':
            res += '\t';
            break;
          case ' ':
          case '\\':
            res += '\\';
            break;
          case '/':
            res += '/';
            break;
          case '"':
            if (delim != '"') throw ParseError(p, "invalid \\\" escape in '-quoted string");
            res += '"';
            break;
          case '\'':
            if (delim != '\'') throw ParseError(p, "invalid \\' escape in \"-quoted string");
            res += '\'';
            break;
          case 'x': {
            auto hex = [](char h) -> int {
              if (h >= '0' && h <= '9') return h - '0';
              if (h >= 'a' && h <= 'f') return h - 'a' + 10;
              if (h >= 'A' && h <= 'F') return h - 'A' + 10;
              return -1;
            };
            if (p + 3 >= in_.size() || hex(in_[p + 2]) < 0 || hex(in_[p + 3]) < 0) {
              throw ParseError(p, "invalid hex char escape sequence");
            }
            res += char(hex(in_[p + 2]) * 16 + hex(in_[p + 3]));
            p += 2;
            break;
          }
          default:
            throw ParseError(p, std::string("unsupported string escape sequence: \\") + e);
        }
        p += 2;
        continue;
      }
      res += c;
      ++p;
    }
    throw ParseError(start, "unterminated quoted string");
  }
  bool bare(std::string& out) {
    size_t p = pos_;
    while (p < in_.size()) {
      char c = in_[p];
      if (c == '(' || c == ')' || c == '"' || c == '\'' || c == '=' || c == ',' || is_blank(c) ||
          std::isspace(static_cast<unsigned char>(c))) {
        break;
      }
      ++p;
    }
    if (p == pos_) return false;
    out = std::string(in_.substr(pos_, p - pos_));
    last_ = out;
    pos_ = p;
    return true;
  }
  bool number(std::string& out) {
    size_t p = pos_;
    if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      p += 2;
      size_t digits = p;
      while (p < in_.size() && std::isxdigit(static_cast<unsigned char>(in_[p]))) ++p;
      if (p == digits) return false;
    } else {
      if (p < in_.size() && (in_[p] == '+' || in_[p] == '-')) ++p;
      size_t digits = p;
      while (p < in_.size() && is_digit(in_[p])) ++p;
      if (p == digits) return false;
      if (p < in_.size() && in_[p] == '.') {
        ++p;
        while (p < in_.size() && is_digit(in_[p])) ++p;
      }
      if (p + 1 < in_.size() && (in_[p] == 'e' || in_[p] == 'E') &&
          (in_[p + 1] == '+' || in_[p + 1] == '-')) {
        size_t q = p + 2;
        while (q < in_.size() && is_digit(in_[q])) ++q;
        if (q > p + 2) p = q;
      }
    }
    out = std::string(in_.substr(pos_, p - pos_));
    last_ = out;
    pos_ = p;
    return true;
  }

  std::unique_ptr<ast::Expr> parse_or() { return parse_chain("or", ast::Expr::Kind::kOr); }
  std::unique_ptr<ast::Expr> parse_and() { return parse_chain("and", ast::Expr::Kind::kAnd); }

  // OrExpr and AndExpr: operands joined by `word`, each operand the next tighter level.
  std::unique_ptr<ast::Expr> parse_chain(std::string_view word, ast::Expr::Kind kind) {
    DepthGuard g(*this);
    size_t start = (blank(), pos_);
    auto operand = [&] { return kind == ast::Expr::Kind::kOr ? parse_and() : parse_not(); };
    std::vector<std::unique_ptr<ast::Expr>> children;
    children.push_back(operand());
    blank();
    while (keyword(word)) {
      if (!blank()) {
        if (!lit("(")) {
          throw ParseError(pos_, "expected blank or '(' after '" + std::string(word) + "'");
        }
        children.push_back(parse_embedded());
      } else {
        children.push_back(operand());
      }
      blank();
    }
    return group(kind, std::move(children), start);
  }

  // 'and'/'or' only when followed by a blank or '(' (so "order" is not "or").
  bool keyword(std::string_view k) {
    if (in_.substr(pos_, k.size()) != k) return false;
    char next = pos_ + k.size() < in_.size() ? in_[pos_ + k.size()] : '\0';
    if (!(is_blank(next) || next == '(')) return false;
    pos_ += k.size();
    last_ = std::string(k);
    return true;
  }

  std::unique_ptr<ast::Expr> group(ast::Expr::Kind kind,
                                   std::vector<std::unique_ptr<ast::Expr>> children, size_t start) {
    if (children.size() == 1) return std::move(children[0]);
    auto e = std::make_unique<ast::Expr>();
    e->kind = kind;
    e->offset = start;
    e->children = std::move(children);
    return e;
  }

  std::unique_ptr<ast::Expr> parse_not() {
    DepthGuard g(*this);
    blank();
    size_t start = pos_;
    bool negate = false;
    while (word_blank("not")) negate = !negate;
    std::unique_ptr<ast::Expr> child;
    if (lit("not(")) {
      negate = !negate;
      child = parse_embedded();
    } else {
      child = parse_check();
    }
    if (!negate) return child;
    auto e = std::make_unique<ast::Expr>();
    e->kind = ast::Expr::Kind::kNot;
    e->offset = start;
    e->children.push_back(std::move(child));
    return e;
  }

  std::unique_ptr<ast::Expr> parse_embedded() {
    DepthGuard g(*this);
    blank();
    auto e = parse_or();
    blank();
    if (!lit(")")) throw ParseError(pos_, "expected a ')' token");
    return e;
  }

  std::unique_ptr<ast::Expr> parse_check() {
    DepthGuard g(*this);
    blank();
    size_t start = pos_;
    if (lit("(")) return parse_embedded();
    if (auto lhs = try_operand(/*allow_val=*/false)) {
      return parse_condition(std::move(lhs), start);
    }
    std::string id;
    if (identifier(id)) {
      auto e = std::make_unique<ast::Expr>();
      e->kind = ast::Expr::Kind::kMacro;
      e->offset = start;
      e->macro = id;
      return e;
    }
    throw ParseError(pos_, "expected a '(' token, a field check, or an identifier");
  }

  // A field, or transformer(...). Returns null without consuming if neither starts here.
  // On the right of an operator (allow_val), a bare field name is a string value, as in
  // Falco: fields are compared there only through val() or a transformer.
  std::unique_ptr<ast::Operand> try_operand(bool allow_val) {
    DepthGuard g(*this);
    size_t start = pos_;
    std::string name;
    if (!allow_val && field_name(name)) {
      auto op = std::make_unique<ast::Operand>();
      op->kind = ast::Operand::Kind::kField;
      op->offset = start;
      op->name = name;
      op->arg = field_arg();
      return op;
    }
    size_t save = pos_;
    if (identifier(name) && peek() == '(') {
      bool known = allow_val && name == "val";
      for (const char* t : kTransformers) known = known || name == t;
      if (known) {
        ++pos_;  // '('
        auto op = std::make_unique<ast::Operand>();
        op->kind = ast::Operand::Kind::kTransformer;
        op->offset = start;
        op->name = name;
        do {
          blank();
          auto child = try_operand(false);
          if (!child) {
            ast::Literal l;
            size_t at = pos_;
            if (!number(l.text) && !quoted(l.text)) {
              throw ParseError(pos_, "expected a field within '" + name + "' transformer");
            }
            child = std::make_unique<ast::Operand>();
            child->kind = ast::Operand::Kind::kLiteral;
            child->offset = at;
            child->name = l.text;
          }
          op->args.push_back(std::move(child));
          blank();
        } while (lit(","));
        if (!lit(")")) throw ParseError(pos_, "expected a ')' token closing the transformer");
        op->arg = field_arg();
        return op;
      }
    }
    pos_ = save;
    return nullptr;
  }

  std::optional<std::string> field_arg() {
    if (!lit("[")) return std::nullopt;
    std::string arg;
    if (!quoted(arg)) {
      size_t p = pos_;
      while (p < in_.size() && in_[p] != '[' && in_[p] != ']' && in_[p] != '"' && in_[p] != '\'' &&
             !is_blank(in_[p])) {
        ++p;
      }
      if (p == pos_) {
        throw ParseError(pos_, "expected a valid field argument: a quoted string or a bare string");
      }
      arg = std::string(in_.substr(pos_, p - pos_));
      pos_ = p;
    }
    if (!lit("]")) throw ParseError(pos_, "expected a ']' token");
    return arg;
  }

  std::unique_ptr<ast::Expr> parse_condition(std::unique_ptr<ast::Operand> lhs, size_t start) {
    DepthGuard g(*this);
    auto e = std::make_unique<ast::Expr>();
    e->kind = ast::Expr::Kind::kCheck;
    e->offset = start;
    e->lhs = std::move(lhs);
    blank();
    e->op_offset = pos_;
    if (lit("exists")) {
      e->op = "exists";
      return e;
    }
    static const char* const kNumOps[] = {"<=", "<", ">=", ">"};
    static const char* const kSymStrOps[] = {"==", "=", "!="};
    static const char* const kWordStrOps[] = {"glob",        "iglob",     "contains",
                                              "icontains",   "bcontains", "startswith",
                                              "bstartswith", "endswith",  "regex"};
    static const char* const kListOps[] = {"intersects", "in", "pmatch"};
    for (const char* op : kNumOps) {
      if (lit(op)) {
        e->op = op;
        blank();
        if (auto rhs = try_operand(true)) {
          e->rhs = ast::Expr::Rhs::kOperand;
          e->operand = std::move(rhs);
          return e;
        }
        ast::Literal l;
        l.offset = pos_;
        if (!number(l.text)) {
          throw ParseError(pos_, "expected a number value or a field with a valid transformer");
        }
        e->rhs = ast::Expr::Rhs::kScalar;
        e->values.push_back(std::move(l));
        return e;
      }
    }
    bool str_op = false;
    for (const char* op : kSymStrOps) {
      if (lit(op)) {
        e->op = op;
        str_op = true;
        break;
      }
    }
    if (!str_op) {
      for (const char* op : kWordStrOps) {
        if (word_blank(op)) {
          e->op = op;
          str_op = true;
          break;
        }
      }
    }
    if (str_op) {
      blank();
      if (auto rhs = try_operand(true)) {
        e->rhs = ast::Expr::Rhs::kOperand;
        e->operand = std::move(rhs);
        return e;
      }
      ast::Literal l;
      if (!value(l)) {
        throw ParseError(pos_, "expected a string value or a field with a valid transformer");
      }
      e->rhs = ast::Expr::Rhs::kScalar;
      e->values.push_back(std::move(l));
      return e;
    }
    for (const char* op : kListOps) {
      if (lit(op)) {
        e->op = op;
        blank();
        if (lit("(")) {
          e->rhs = ast::Expr::Rhs::kList;
          blank();
          if (lit(")")) return e;
          do {
            blank();
            ast::Literal l;
            if (!value(l)) throw ParseError(pos_, "expected a list value");
            e->values.push_back(std::move(l));
            blank();
          } while (lit(","));
          if (!lit(")")) throw ParseError(pos_, "expected a ')' token");
          return e;
        }
        if (auto rhs = try_operand(true)) {
          e->rhs = ast::Expr::Rhs::kOperand;
          e->operand = std::move(rhs);
          return e;
        }
        ast::Literal l;
        l.offset = pos_;
        if (identifier(l.text)) {
          e->rhs = ast::Expr::Rhs::kListName;
          e->values.push_back(std::move(l));
          return e;
        }
        throw ParseError(pos_, "expected a list, an identifier, or a field with a transformer");
      }
    }
    throw ParseError(pos_,
                     "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', "
                     "'==', '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', "
                     "'startswith', 'bstartswith', 'endswith', 'regex', 'intersects', 'in', "
                     "'pmatch'");
  }

  std::string_view in_;
  size_t pos_ = 0;
  unsigned depth_ = 0;
  std::string last_;
};

}  // namespace

std::unique_ptr<ast::Expr> parse_condition(std::string_view text) { return Parser(text).parse(); }

bool parse_value_token(std::string_view text, ast::Literal& out, std::string& error) {
  try {
    Parser p(text);
    if (!p.value(out) || p.pos() != text.size()) {
      error = "'" + std::string(text) + "' is not a single quoted or bare value";
      return false;
    }
    return true;
  } catch (const ParseError& e) {
    error = e.what();
    return false;
  }
}

std::unique_ptr<ast::Operand> parse_output_operand(std::string_view text, size_t& consumed) {
  Parser p(text);
  auto op = p.parse_output_operand();
  consumed = p.pos();
  return op;
}

}  // namespace vigil::rules
