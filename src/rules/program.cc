// Evaluation of compiled checks. Falco's semantics: a check on a value the event cannot
// supply is false whatever the operator (except `exists`); multi-valued fields match if any
// value does.
#include "src/rules/program.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "src/common/glob.h"

namespace vigil::rules {
namespace {

thread_local std::array<std::string, kMaxTransformSlots> t_scratch;

char lower(char c) { return char(std::tolower(static_cast<unsigned char>(c))); }

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return true;
  }
  return false;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Path prefix match: `path` is one of the prefixes or below one of them.
bool pmatch(std::string_view path, const std::vector<std::string>& prefixes) {
  for (const auto& raw : prefixes) {
    std::string_view p = raw;
    while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
    if (p == "/") {
      if (starts_with(path, "/")) return true;
      continue;
    }
    if (starts_with(path, p) && (path.size() == p.size() || path[p.size()] == '/')) return true;
  }
  return false;
}

bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  char buf[32];
  if (s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(buf, &end, 0);
  if (errno != 0 || *end != 0) return false;
  out = v;
  return true;
}

bool string_check(const Check& c, std::string_view v) {
  switch (c.op) {
    case Op::kEq:
      return v == c.str;
    case Op::kNe:
      return v != c.str;
    case Op::kLt:
      return v < std::string_view(c.str);
    case Op::kLe:
      return v <= std::string_view(c.str);
    case Op::kGt:
      return v > std::string_view(c.str);
    case Op::kGe:
      return v >= std::string_view(c.str);
    case Op::kContains:
    case Op::kBContains:
      return v.find(c.str) != std::string_view::npos;
    case Op::kIContains:
      return icontains(v, c.str);
    case Op::kStartsWith:
    case Op::kBStartsWith:
      return starts_with(v, c.str);
    case Op::kEndsWith:
      return ends_with(v, c.str);
    case Op::kGlob:
      return glob_match(c.str, v, false);
    case Op::kIGlob:
      return glob_match(c.str, v, true);
    case Op::kRegex:
      return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *c.regex);
    case Op::kIn:
    case Op::kIntersects:
      if (!c.str_set.empty()) return c.str_set.count(v) != 0;
      return std::binary_search(c.strs.begin(), c.strs.end(), v, [](const auto& a, const auto& b) {
        return std::string_view(a) < std::string_view(b);
      });
    case Op::kPMatch:
      return pmatch(v, c.strs);
    case Op::kExists:
      return true;
  }
  return false;
}

bool int_check(const Check& c, int64_t v) {
  switch (c.op) {
    case Op::kEq:
      return v == c.num;
    case Op::kNe:
      return v != c.num;
    case Op::kLt:
      return v < c.num;
    case Op::kLe:
      return v <= c.num;
    case Op::kGt:
      return v > c.num;
    case Op::kGe:
      return v >= c.num;
    case Op::kIn:
    case Op::kIntersects:
      return std::binary_search(c.nums.begin(), c.nums.end(), v);
    default:
      return false;
  }
}

bool ip_check(const Check& c, std::string_view v) {
  IpNet a;
  if (!IpNet::parse(v, a) || a.prefix != 128) return false;
  switch (c.op) {
    case Op::kEq:
      return c.ip.contains(a);
    case Op::kNe:
      return !c.ip.contains(a);
    case Op::kIn:
    case Op::kIntersects:
      return std::any_of(c.ips.begin(), c.ips.end(), [&](const IpNet& n) { return n.contains(a); });
    default:
      return false;
  }
}

// A check against another operand (val(field) or a transformer) instead of a constant.
bool dynamic_check(Op op, const Value& l, const Value& r) {
  if (r.missing()) return false;
  if (l.kind == ValueKind::kInt || l.kind == ValueKind::kBool) {
    int64_t rv = r.num;
    if (r.kind == ValueKind::kString && !parse_int(r.str, rv)) return false;
    switch (op) {
      case Op::kEq:
        return l.num == rv;
      case Op::kNe:
        return l.num != rv;
      case Op::kLt:
        return l.num < rv;
      case Op::kLe:
        return l.num <= rv;
      case Op::kGt:
        return l.num > rv;
      case Op::kGe:
        return l.num >= rv;
      default:
        return false;
    }
  }
  std::string_view a = l.str;
  char buf[24];
  std::string_view b = r.str;
  if (r.kind == ValueKind::kInt || r.kind == ValueKind::kBool) {
    int n = std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(r.num));
    b = std::string_view(buf, size_t(n));
  }
  switch (op) {
    case Op::kEq:
    case Op::kIn:
    case Op::kIntersects:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
    case Op::kContains:
    case Op::kBContains:
      return a.find(b) != std::string_view::npos;
    case Op::kIContains:
      return icontains(a, b);
    case Op::kStartsWith:
    case Op::kBStartsWith:
      return starts_with(a, b);
    case Op::kEndsWith:
      return ends_with(a, b);
    case Op::kGlob:
      return glob_match(b, a, false);
    case Op::kIGlob:
      return glob_match(b, a, true);
    default:
      return false;
  }
}

}  // namespace

bool IpNet::parse(std::string_view s, IpNet& out) {
  char buf[64];
  if (s.empty() || s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  int prefix = -1;
  if (char* slash = std::strchr(buf, '/')) {
    *slash = 0;
    char* end = nullptr;
    long p = std::strtol(slash + 1, &end, 10);
    if (*end != 0 || slash[1] == 0) return false;
    prefix = int(p);
  }
  IpNet n;
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    if (prefix > 32) return false;
    n.addr[10] = n.addr[11] = 0xff;
    std::memcpy(&n.addr[12], &a4, 4);
    n.prefix = prefix < 0 ? 128 : 96 + prefix;
  } else if (inet_pton(AF_INET6, buf, n.addr.data()) == 1) {
    if (prefix > 128) return false;
    n.prefix = prefix < 0 ? 128 : prefix;
  } else {
    return false;
  }
  out = n;
  return true;
}

bool IpNet::contains(const IpNet& a) const {
  int bits = prefix;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    uint8_t mask = bits >= 8 ? 0xff : uint8_t(0xff << (8 - bits));
    if ((addr[size_t(i)] & mask) != (a.addr[size_t(i)] & mask)) return false;
  }
  return true;
}

// Written here, not taken from a library: OpenSSL's EVP_DecodeBlock would link libcrypto
// into the lean vigil-runc (this file is in it, through the rule compiler), which links
// none of the daemon's libraries on purpose (src/cli/runc_main.cc; install_test and
// package_test check it, and the sanitizer builds link it dynamically). Falco's libsinsp
// carries its own decoder too. Standard and URL-safe alphabets, padding optional.
bool b64_decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t buf = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+' || c == '-')
      v = 62;
    else if (c == '/' || c == '_')
      v = 63;
    else if (c == '=')
      break;
    else
      return false;
    buf = (buf << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buf >> bits) & 0xff);
    }
  }
  return true;
}

std::string render_value(const Value& v) {
  switch (v.kind) {
    case ValueKind::kNone:
    case ValueKind::kUnknown:
      return "<NA>";
    case ValueKind::kString:
      return std::string(v.str);
    case ValueKind::kInt:
      return std::to_string(v.num);
    case ValueKind::kBool:
      return v.num ? "true" : "false";
    case ValueKind::kStringList: {
      std::string out;
      for (size_t i = 0; i < v.count; ++i) {
        if (i) out += ' ';
        out += v.items[i];
      }
      return out;
    }
  }
  return "<NA>";
}

namespace {

// A string check against every value "`dir` + one path component" (dir ends with '/'):
// true or false if it holds or fails for all of them, nullopt if it depends on the name.
std::optional<bool> child_check(const Check& c, std::string_view dir) {
  // Could `s` be dir + name, for some name without a slash?
  auto could_be_child = [&](std::string_view s) {
    return s.size() > dir.size() && starts_with(s, dir) &&
           s.find('/', dir.size()) == std::string_view::npos;
  };
  switch (c.op) {
    case Op::kExists:
      return true;
    case Op::kEq:
      if (!could_be_child(c.str)) return false;
      return std::nullopt;
    case Op::kNe:
      if (!could_be_child(c.str)) return true;
      return std::nullopt;
    case Op::kStartsWith:
    case Op::kBStartsWith:
      if (starts_with(dir, c.str)) return true;
      // The rest must be the start of a name, which has no '/'.
      if (starts_with(c.str, dir) && c.str.find('/', dir.size()) == std::string::npos) {
        return std::nullopt;
      }
      return false;
    case Op::kContains:
    case Op::kBContains: {
      if (dir.find(c.str) != std::string_view::npos) return true;
      // The name has no '/': a needle with one can only end in the name if a suffix of the
      // directory is the needle up to (at least) its last '/'.
      const std::string_view needle = c.str;
      const size_t last_slash = needle.rfind('/');
      if (last_slash == std::string_view::npos) return std::nullopt;
      for (size_t k = last_slash + 1; k < needle.size() && k <= dir.size(); ++k) {
        if (ends_with(dir, needle.substr(0, k))) return std::nullopt;
      }
      return false;
    }
    case Op::kEndsWith: {
      const std::string_view suffix = c.str;
      const size_t last_slash = suffix.rfind('/');
      if (last_slash == std::string_view::npos) return std::nullopt;  // the name decides
      if (last_slash + 1 == suffix.size()) return false;              // names are not empty
      if (ends_with(dir, suffix.substr(0, last_slash + 1))) return std::nullopt;
      return false;
    }
    case Op::kIn:
    case Op::kIntersects:
      for (const auto& s : c.strs)
        if (could_be_child(s)) return std::nullopt;
      return false;
    case Op::kPMatch: {
      std::string_view d = dir.substr(0, dir.size() - 1);  // the directory itself
      bool unknown = false;
      for (const auto& raw : c.strs) {
        std::string_view p = raw;
        while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
        if (p == "/" || p == d || starts_with(d, std::string(p) + "/")) return true;
        if (could_be_child(p)) unknown = true;
      }
      if (unknown) return std::nullopt;
      return false;
    }
    default:  // endswith, glob, regex, case-insensitive and ordering checks: the name decides
      return std::nullopt;
  }
}

}  // namespace

std::optional<bool> Check::eval3(Event& e) const {
  // An unknown operand makes the check unknown; otherwise it is an ordinary check.
  const Value v = lhs->eval(e);
  if (v.unknown_value()) {
    // A path known up to its last component: some checks hold or fail for every name.
    if (!v.str.empty() && !rhs && type == FieldType::kString) {
      return child_check(*this, v.str);
    }
    return std::nullopt;
  }
  if (rhs && rhs->eval(e).unknown_value()) return std::nullopt;
  return eval(e);
}

Value Operand::eval(Event& e) const {
  switch (kind) {
    case Kind::kField:
      return e.field(ref);
    case Kind::kLiteral:
      return Value::of(literal);
    case Kind::kTransform:
      break;
  }
  Value in = child->eval(e);
  if (in.missing()) return in;
  if (in.unknown_value()) {
    // "dir/ + any name" changes case to "DIR/ + any name"; other transforms lose the shape.
    if (in.str.empty() || (transform != Transform::kToLower && transform != Transform::kToUpper)) {
      return Value::unknown();
    }
    std::string& buf = t_scratch[slot];
    buf.assign(in.str);
    for (char& c : buf) {
      c = transform == Transform::kToLower ? lower(c)
                                           : char(std::toupper(static_cast<unsigned char>(c)));
    }
    return Value::unknown_child_of(buf);
  }
  if (transform == Transform::kLen) {
    if (in.kind == ValueKind::kStringList) return Value::of_int(int64_t(in.count));
    return Value::of_int(int64_t(in.str.size()));
  }
  if (in.kind != ValueKind::kString) return Value::none();
  std::string& buf = t_scratch[slot];
  switch (transform) {
    case Transform::kToLower:
      buf.assign(in.str);
      for (char& c : buf) c = lower(c);
      return Value::of(buf);
    case Transform::kToUpper:
      buf.assign(in.str);
      for (char& c : buf) c = char(std::toupper(static_cast<unsigned char>(c)));
      return Value::of(buf);
    case Transform::kB64:
      if (!b64_decode(in.str, buf)) return Value::none();
      return Value::of(buf);
    case Transform::kBasename: {
      std::string_view s = in.str;
      auto slash = s.rfind('/');
      return Value::of(slash == std::string_view::npos ? s : s.substr(slash + 1));
    }
    case Transform::kLen:
      break;
  }
  return Value::none();
}

void Check::index_strings() {
  str_set.clear();
  if (strs.size() <= 8 || op == Op::kPMatch) return;
  str_set.reserve(strs.size());
  for (const auto& s : strs) str_set.insert(s);
}

void fold_event_types(Node& n, const std::bitset<128>& types) {
  switch (n.kind) {
    case Node::Kind::kTrue:
    case Node::Kind::kFalse:
      return;
    case Node::Kind::kCheck: {
      if (!n.check || !n.check->event_types) return;
      const auto& holds = *n.check->event_types;
      if ((types & ~holds).none()) {
        n = Node{Node::Kind::kTrue, {}, nullptr};
      } else if ((types & holds).none()) {
        n = Node{Node::Kind::kFalse, {}, nullptr};
      }
      return;
    }
    case Node::Kind::kNot: {
      fold_event_types(n.children[0], types);
      const auto k = n.children[0].kind;
      if (k == Node::Kind::kTrue)
        n = Node{Node::Kind::kFalse, {}, nullptr};
      else if (k == Node::Kind::kFalse)
        n = Node{Node::Kind::kTrue, {}, nullptr};
      return;
    }
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      const bool is_and = n.kind == Node::Kind::kAnd;
      const auto absorbing = is_and ? Node::Kind::kFalse : Node::Kind::kTrue;
      const auto neutral = is_and ? Node::Kind::kTrue : Node::Kind::kFalse;
      std::vector<Node> kept;
      for (auto& c : n.children) {
        fold_event_types(c, types);
        if (c.kind == absorbing) {
          n = Node{absorbing, {}, nullptr};
          return;
        }
        if (c.kind != neutral) kept.push_back(std::move(c));
      }
      if (kept.empty()) {
        n = Node{neutral, {}, nullptr};
      } else if (kept.size() == 1) {
        Node only = std::move(kept[0]);
        n = std::move(only);
      } else {
        n.children = std::move(kept);
      }
      return;
    }
  }
}

bool Check::eval(Event& e) const {
  const Value v = lhs->eval(e);
  if (op == Op::kExists) return !v.missing();
  if (v.missing()) return false;
  if (rhs) {
    const Value r = rhs->eval(e);
    if (v.kind == ValueKind::kStringList) {
      for (size_t i = 0; i < v.count; ++i)
        if (dynamic_check(op, Value::of(v.items[i]), r)) return true;
      return false;
    }
    return dynamic_check(op, v, r);
  }
  switch (type) {
    case FieldType::kString:
      if (v.kind == ValueKind::kString) return string_check(*this, v.str);
      if (v.kind == ValueKind::kStringList) {
        if (op == Op::kNe) {
          for (size_t i = 0; i < v.count; ++i)
            if (v.items[i] == str) return false;
          return true;
        }
        for (size_t i = 0; i < v.count; ++i)
          if (string_check(*this, v.items[i])) return true;
      }
      return false;
    case FieldType::kInt:
    case FieldType::kBool: {
      int64_t n = v.num;
      if (v.kind == ValueKind::kString && !parse_int(v.str, n)) return false;
      return int_check(*this, n);
    }
    case FieldType::kIp:
      return v.kind == ValueKind::kString && ip_check(*this, v.str);
    case FieldType::kStringList:
      return false;  // the compiler maps list fields to the string domain
  }
  return false;
}

}  // namespace vigil::rules
